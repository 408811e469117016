package dev.microkit.users.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.users.etcd.EtcdClients;
import dev.microkit.users.etcd.EtcdConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * Users in etcd: {@code /users/by-id/<id>} holds the user as JSON, {@code /users/by-email/<email, lower case>} holds
 * its id. Both are written in one transaction that first checks the email key is absent, so two users replicas can
 * never create the same email twice.
 */
@ApplicationScoped
@Startup // the jetcd client is built at startup, on the main thread, never on an event loop
public class UserStore {

    static final String BY_ID = "/users/by-id/";
    static final String BY_EMAIL = "/users/by-email/";

    private final Client etcd;
    private final ObjectMapper json;
    private final Duration timeout;

    @Inject
    UserStore(EtcdClients clients, EtcdConfig config, ObjectMapper json) {
        this.etcd = clients.main();
        this.json = json;
        this.timeout = config.requestTimeout();
    }

    /** @throws DuplicateEmailException (as the Uni's failure) when the email is taken */
    public Uni<User> create(String email) {
        User user = new User(UUID.randomUUID().toString(), email, Instant.now());
        ByteSequence emailKey = bytes(BY_EMAIL + email.toLowerCase(Locale.ROOT));
        ByteSequence userKey = bytes(BY_ID + user.id());
        ByteSequence userJson = toJson(user);
        return call("store the user", () -> etcd.getKVClient().txn()
                .If(new Cmp(emailKey, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(emailKey, bytes(user.id()), PutOption.DEFAULT),
                        Op.put(userKey, userJson, PutOption.DEFAULT))
                .commit())
                .map(response -> {
                    if (!response.isSucceeded()) {
                        throw new DuplicateEmailException(email);
                    }
                    return user;
                });
    }

    public Uni<Optional<User>> find(String id) {
        return call("read the user", () -> etcd.getKVClient().get(bytes(BY_ID + id), GetOption.DEFAULT))
                .map(response -> response.getKvs().stream().findFirst()
                        .map(kv -> fromJson(kv.getValue())));
    }

    /** Removes the user and frees its email, unless the email has been given to another user since. */
    public Uni<Void> delete(User user) {
        ByteSequence emailKey = bytes(BY_EMAIL + user.email().toLowerCase(Locale.ROOT));
        ByteSequence userKey = bytes(BY_ID + user.id());
        return call("delete the user", () -> etcd.getKVClient().txn()
                .If(new Cmp(emailKey, Cmp.Op.EQUAL, CmpTarget.value(bytes(user.id()))))
                .Then(Op.delete(emailKey, DeleteOption.DEFAULT), Op.delete(userKey, DeleteOption.DEFAULT))
                .Else(Op.delete(userKey, DeleteOption.DEFAULT))
                .commit())
                .replaceWithVoid();
    }

    /** Asks etcd something cheap: UP means it answers within the request timeout. */
    public Uni<Long> ping() {
        return call("reach etcd", () -> etcd.getKVClient().get(bytes(BY_ID),
                GetOption.builder().isPrefix(true).withCountOnly(true).build()))
                .map(response -> response.getHeader().getRevision());
    }

    /** jetcd calls have no deadline of their own. */
    private <T> Uni<T> call(String what, Supplier<CompletableFuture<T>> request) {
        return Uni.createFrom().completionStage(() -> request.get().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .onFailure().transform(failure -> new StoreUnavailableException("cannot " + what + ": etcd "
                        + (failure instanceof TimeoutException ? "did not answer within " + timeout
                                : "failed: " + failure.getMessage()),
                        failure));
    }

    private ByteSequence toJson(User user) {
        try {
            return ByteSequence.from(json.writeValueAsBytes(user));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private User fromJson(ByteSequence value) {
        try {
            return json.readValue(value.getBytes(), User.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable user record: " + value.toString(UTF_8), e);
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }
}
