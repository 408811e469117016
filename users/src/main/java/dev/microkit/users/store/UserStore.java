package dev.microkit.users.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.stork.etcd.CallerContext;
import dev.microkit.stork.etcd.EtcdCall;
import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.LastEtcdFailure;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.PutOption;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Users and their pending welcome emails in etcd:
 * <ul>
 * <li>{@code /users/by-id/<id>}: the user as JSON, with the state of its welcome email;</li>
 * <li>{@code /users/by-email/<email, lower case>}: its id, so an email is taken once;</li>
 * <li>{@code /users/outbox-due/<due>/<id>}: the welcome email while it is not sent (an outbox entry), under the
 * time it is due (milliseconds since the epoch, 13 digits): a dispatcher reads only what is due, however large the
 * outbox;</li>
 * <li>{@code /users/outbox-claims/<id>}: which replica's dispatcher is sending it now, bound to that replica's
 * lease;</li>
 * <li>{@code /users/by-idempotency-key/<key>}: the user a request with that {@code Idempotency-Key} created, and its
 * email, kept as long as the user.</li>
 * </ul>
 * A user and its outbox entry are written in one transaction that first checks the email is free, so two users
 * replicas never create the same email twice, and no user exists without its welcome email; users created at the same
 * time share one (see {@link CreateBatches}).
 * <p>
 * Outbox entries of the earlier layout, {@code /users/outbox/<id>}, written by a version before 2026-12-07, are moved
 * to theirs by {@link #pending} as it finds them (a rolling upgrade).
 */
@ApplicationScoped
@Startup // the jetcd client is built at startup, on the main thread, never on an event loop
public class UserStore {

    private static final Logger LOG = Logger.getLogger(UserStore.class);

    static final String BY_ID = "/users/by-id/";
    static final String BY_EMAIL = "/users/by-email/";
    static final String OUTBOX = "/users/outbox-due/";
    static final String CLAIMS = "/users/outbox-claims/";
    static final String BY_IDEMPOTENCY_KEY = "/users/by-idempotency-key/";
    /** The end of the outbox's key range. */
    private static final ByteSequence OUTBOX_END = OptionsUtil.prefixEndOf(bytes(OUTBOX));
    /** The outbox of the earlier layout, {@code /users/outbox/<id>}, and the end of its key range. */
    private static final String EARLIER_OUTBOX = "/users/outbox/";
    private static final ByteSequence EARLIER_OUTBOX_END = OptionsUtil.prefixEndOf(bytes(EARLIER_OUTBOX));

    private final Client etcd;
    private final CreateBatches creations;
    private final ObjectMapper json;
    private final Duration timeout;
    private final LastEtcdFailure lastFailure;
    /** Outbox keys whose unreadable value was reported: every poll lists them again, one warning is enough. */
    private final Set<String> reportedEntries = ConcurrentHashMap.newKeySet();
    /** Where the next look for entries of the earlier layout starts: after this key, or from the start when null. */
    private volatile String earlierAfter;
    /** Entries of the earlier layout were moved: reported once. */
    private volatile boolean movedReported;

    @Inject
    UserStore(EtcdClients clients, EtcdConfig config, StoreConfig store, ObjectMapper json, Vertx vertx) {
        this.etcd = clients.main();
        this.creations = new CreateBatches(etcd.getKVClient(), vertx, store, config.requestTimeout());
        this.json = json;
        this.timeout = config.requestTimeout();
        this.lastFailure = clients.lastFailure();
    }

    /**
     * Stores a new user with a pending welcome email that is not due before {@code heldFor} has passed: the caller
     * sends it at once, and no dispatcher takes it meanwhile (no claim key: its put and its delete would be two etcd
     * writes more per user). Should the caller not record it as sent by then, any replica's dispatcher sends it.
     *
     * @param idempotencyKey the request's {@code Idempotency-Key}, or null: with one, the key is stored with the user,
     *                       and a request that comes again with it is answered the user it created
     * @return the user created, or the one an earlier request with the same idempotency key created; failures:
     *         {@link DuplicateEmailException} when the email is taken, {@link IdempotencyKeyReusedException} when the
     *         key was used with another email, {@link StoreUnavailableException} when nothing was stored, or
     *         {@link CreateOutcomeUnknownException}
     */
    public Uni<Stored> create(String id, String email, Duration heldFor, String idempotencyKey) {
        User user = new User(id, email, Instant.now(), User.Notification.pending());
        ByteSequence emailKey = bytes(BY_EMAIL + email.toLowerCase(Locale.ROOT));
        ByteSequence idBytes = bytes(user.id());
        PendingWelcome welcome = new PendingWelcome(user.id(), email, 0, user.createdAt().plus(heldFor));
        List<Op> writes = new ArrayList<>(List.of(Op.put(emailKey, idBytes, PutOption.DEFAULT),
                Op.put(bytes(BY_ID + user.id()), toJson(user), PutOption.DEFAULT),
                Op.put(outboxKey(welcome), toJson(welcome), PutOption.DEFAULT)));
        List<ByteSequence> unique = new ArrayList<>(List.of(emailKey));
        if (idempotencyKey != null) {
            ByteSequence key = bytes(BY_IDEMPOTENCY_KEY + idempotencyKey);
            writes.add(Op.put(key, toJson(new IdempotencyRecord(id, email)), PutOption.DEFAULT));
            unique.add(key);
        }
        Outcome written = new Outcome(Outcome.Kind.WRITTEN, id);
        return answer("store the user", CallerContext.backOnCaller(Uni.createFrom().completionStage(
                () -> creations.create(unique, writes, written, holders -> {
                    ByteSequence byKey = holders.size() > 1 ? holders.get(1) : null;
                    if (byKey != null) {
                        IdempotencyRecord earlier = fromJson(byKey, IdempotencyRecord.class);
                        if (!earlier.email().equals(email)) {
                            return new Outcome(Outcome.Kind.KEY_REUSED, earlier.id());
                        }
                        // this request's own record: an earlier attempt of this transaction was applied
                        return earlier.id().equals(id) ? written : new Outcome(Outcome.Kind.REPEATED, earlier.id());
                    }
                    return idBytes.equals(holders.get(0)) ? written : new Outcome(Outcome.Kind.EMAIL_TAKEN, null);
                }))))
                .chain(outcome -> switch (outcome.kind()) {
                    case WRITTEN -> Uni.createFrom().item(new Stored(user, welcome));
                    case REPEATED -> find(outcome.id()).map(earlier -> new Stored(earlier.orElseThrow(
                            () -> new IllegalStateException("no user " + outcome.id() + " for its idempotency key")),
                            null));
                    case EMAIL_TAKEN -> Uni.createFrom().failure(new DuplicateEmailException(email));
                    case KEY_REUSED -> Uni.createFrom().failure(new IdempotencyKeyReusedException());
                });
    }

    /**
     * @param user    the user created, or found
     * @param welcome its welcome email's outbox entry, written now; null when an earlier request with the same
     *                idempotency key created the user: nothing was written now
     */
    public record Stored(User user, PendingWelcome welcome) {

        public boolean repeated() {
            return welcome == null;
        }
    }

    /** What became of a user's nested transaction; {@code id}: the user that holds the idempotency key. */
    private record Outcome(Kind kind, String id) {
        enum Kind {
            WRITTEN, REPEATED, EMAIL_TAKEN, KEY_REUSED
        }
    }

    public Uni<Optional<User>> find(String id) {
        return call("read the user", () -> etcd.getKVClient().get(bytes(BY_ID + id), GetOption.DEFAULT))
                .map(response -> response.getKvs().stream().findFirst().map(kv -> fromJson(kv.getValue(), User.class)));
    }

    /**
     * Welcome emails were sent: records each on its user and drops its outbox entry and claim, all in one
     * transaction (3 operations per user, see {@code outbox.record-batch}; deleting a claim that an email sent at once
     * never had writes nothing).
     */
    public Uni<Void> markSent(List<SentWelcome> sent) {
        Op[] ops = sent.stream().flatMap(email -> Stream.of(Op.put(bytes(BY_ID + email.user().id()),
                toJson(email.user()), PutOption.DEFAULT), Op.delete(outboxKey(email.entry()), DeleteOption.DEFAULT),
                Op.delete(bytes(CLAIMS + email.user().id()), DeleteOption.DEFAULT))).toArray(Op[]::new);
        return call("record sent welcome emails", () -> etcd.getKVClient().txn().Then(ops).commit())
                .replaceWithVoid();
    }

    /**
     * Sending failed: moves the entry to the time of its next attempt and gives up the claim, so any replica may try
     * then; unless the entry is gone (sent meanwhile).
     */
    public Uni<Void> release(PendingWelcome entry, PendingWelcome next) {
        ByteSequence key = outboxKey(entry);
        ByteSequence nextKey = outboxKey(next);
        List<Op> writes = new ArrayList<>();
        if (!key.equals(nextKey)) {
            writes.add(Op.delete(key, DeleteOption.DEFAULT)); // etcd refuses a transaction that writes a key twice
        }
        writes.add(Op.put(nextKey, toJson(next), PutOption.DEFAULT));
        writes.add(Op.delete(bytes(CLAIMS + next.userId()), DeleteOption.DEFAULT));
        return call("reschedule the welcome email", () -> etcd.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.GREATER, CmpTarget.version(0)))
                .Then(writes.toArray(Op[]::new))
                .commit())
                .replaceWithVoid();
    }

    /** Drops a pending welcome email and its claim. */
    public Uni<Void> dropPending(PendingWelcome entry) {
        return call("drop a welcome email", () -> etcd.getKVClient().txn()
                .Then(Op.delete(outboxKey(entry), DeleteOption.DEFAULT),
                        Op.delete(bytes(CLAIMS + entry.userId()), DeleteOption.DEFAULT))
                .commit())
                .replaceWithVoid();
    }

    /**
     * Up to {@code limit} welcome emails due by {@code now}, after the outbox key {@code after} (null: from the
     * start), earliest due first, with how many emails the whole outbox holds when read from the start. Entries not
     * due are not read: a poll costs etcd what is due, not the outbox. A page, not all that is due: a listing is one
     * gRPC message, which jetcd caps at 4 MiB (about 17,000 entries; a 30 s notificator outage under load made more).
     * Entries of the earlier layout found in the same read are moved to theirs, due when they were.
     */
    public Uni<PendingPage> pending(String after, int limit, Instant now) {
        ByteSequence from = bytes(after == null ? OUTBOX : after + "\0");
        String earlierFrom = earlierAfter;
        List<Op> reads = new ArrayList<>(List.of(
                Op.get(from, GetOption.builder().withRange(outboxKeyPrefix(now.plusMillis(1))).withLimit(limit)
                        .build()),
                Op.get(bytes(earlierFrom == null ? EARLIER_OUTBOX : earlierFrom + "\0"), GetOption.builder()
                        .withRange(EARLIER_OUTBOX_END).withLimit(limit).build())));
        if (after == null) {
            reads.add(Op.get(bytes(OUTBOX), GetOption.builder().withRange(OUTBOX_END).withCountOnly(true)
                    .build()));
        }
        return call("list pending welcome emails", () -> etcd.getKVClient().txn().Then(reads.toArray(Op[]::new))
                .commit())
                .chain(response -> {
                    List<KeyValue> kvs = response.getGetResponses().get(0).getKvs();
                    String last = kvs.isEmpty() ? null : kvs.get(kvs.size() - 1).getKey().toString(UTF_8);
                    long count = after == null ? response.getGetResponses().get(2).getCount() : -1;
                    PendingPage page = new PendingPage(kvs.stream().map(this::pendingOrNull)
                            .filter(entry -> entry != null).toList(), last,
                            response.getGetResponses().get(0).isMore(), count);
                    return moveEarlier(response.getGetResponses().get(1)).replaceWith(page);
                });
    }

    /**
     * @param entries the readable entries of the page
     * @param lastKey the page's last key, where the next page starts after; null when the page is empty
     * @param more    whether due keys follow the page
     * @param count   how many emails the outbox holds, due or not; -1 when the page does not start the outbox
     */
    public record PendingPage(List<PendingWelcome> entries, String lastKey, boolean more, long count) {
    }

    /**
     * Moves outbox entries of the earlier layout, written by replicas of a version before 2026-12-07, to the current
     * one, each in a transaction that checks nobody changed it meanwhile. Unreadable ones stay where they are, reported
     * once.
     */
    private Uni<Void> moveEarlier(GetResponse earlier) {
        List<KeyValue> kvs = earlier.getKvs();
        earlierAfter = earlier.isMore() ? kvs.get(kvs.size() - 1).getKey().toString(UTF_8) : null;
        List<Uni<Boolean>> moves = new ArrayList<>();
        for (KeyValue kv : kvs) {
            PendingWelcome entry = pendingOrNull(kv);
            if (entry != null) {
                moves.add(call("move a welcome email to the current outbox", () -> etcd.getKVClient().txn()
                        .If(new Cmp(kv.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())))
                        .Then(Op.delete(kv.getKey(), DeleteOption.DEFAULT),
                                Op.put(outboxKey(entry), kv.getValue(), PutOption.DEFAULT))
                        .commit()).map(TxnResponse::isSucceeded));
            }
        }
        if (moves.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.join().all(moves).andCollectFailures().invoke(moved -> {
            long count = moved.stream().filter(Boolean::booleanValue).count();
            if (!movedReported) {
                movedReported = true;
                LOG.infof("Moved %d welcome email(s) from %s<id> (the outbox of a version before 2026-12-07) to "
                        + "%s<due>/<id>", count, EARLIER_OUTBOX, OUTBOX);
            } else {
                LOG.debugf("Moved %d welcome email(s) from %s", count, EARLIER_OUTBOX);
            }
        }).replaceWithVoid();
    }

    /**
     * Claims a pending welcome email for {@code replica} and its {@code lease}. True if it is now claimed by the
     * replica: it was free, or the replica held it already (a claim it could not give up); false if another replica
     * holds it, or it was sent or rescheduled meanwhile.
     */
    public Uni<Boolean> claim(PendingWelcome entry, long lease, String replica) {
        ByteSequence claim = bytes(CLAIMS + entry.userId());
        ByteSequence outbox = outboxKey(entry);
        return call("claim a welcome email", () -> etcd.getKVClient().txn()
                .If(new Cmp(claim, Cmp.Op.EQUAL, CmpTarget.version(0)),
                        new Cmp(outbox, Cmp.Op.GREATER, CmpTarget.version(0)))
                .Then(Op.put(claim, bytes(replica), PutOption.builder().withLeaseId(lease).build()))
                .Else(Op.get(claim, GetOption.DEFAULT), Op.get(outbox, GetOption.builder().withCountOnly(true)
                        .build()))
                .commit())
                .map(response -> response.isSucceeded() || (bytes(replica).equals(firstValue(response))
                        && response.getGetResponses().get(1).getCount() > 0));
    }

    /** Only for requests that are safe to repeat (EtcdCall resends refused ones); creates go through CreateBatches. */
    private <T> Uni<T> call(String what, Supplier<CompletableFuture<T>> request) {
        return answer(what, EtcdCall.within(timeout, request));
    }

    /** etcd's failures become a {@link StoreUnavailableException}; the creates' own answers stay as they are. */
    private <T> Uni<T> answer(String what, Uni<T> answer) {
        return answer.onFailure(failure -> !(failure instanceof CreateOutcomeUnknownException))
                .transform(failure -> StoreUnavailableException.because(what, failure, timeout,
                        EtcdErrors.describe(failure, lastFailure)));
    }

    /** The entry {@code kv} holds; null, reported once, when it is unreadable or not under its own key. */
    private PendingWelcome pendingOrNull(KeyValue kv) {
        String key = kv.getKey().toString(UTF_8);
        try {
            PendingWelcome entry = fromJson(kv.getValue(), PendingWelcome.class);
            if (entry.userId() == null || entry.email() == null || entry.nextAttemptAt() == null) {
                throw new IllegalStateException("userId, email and nextAttemptAt are required: "
                        + kv.getValue().toString(UTF_8));
            }
            if (key.startsWith(OUTBOX) && !outboxKey(entry).equals(kv.getKey())) {
                throw new IllegalStateException("its key should be " + outboxKey(entry).toString(UTF_8));
            }
            return entry;
        } catch (IllegalStateException e) {
            if (reportedEntries.add(key)) {
                LOG.warnf("Skipping outbox entry %s: %s", key, e.getMessage());
            }
            return null;
        }
    }

    /** Where {@code entry} is kept: under its due time, so that a range read up to now finds what is due. */
    static ByteSequence outboxKey(PendingWelcome entry) {
        return bytes(outboxKeyPrefix(entry.nextAttemptAt()).toString(UTF_8) + entry.userId());
    }

    /** {@code /users/outbox-due/<due>/}: zero-padded, so that key order is time order (until the year 2286). */
    private static ByteSequence outboxKeyPrefix(Instant due) {
        return bytes(OUTBOX + String.format(Locale.ROOT, "%013d/", Math.max(0, due.toEpochMilli())));
    }

    private static ByteSequence firstValue(TxnResponse response) {
        return response.getGetResponses().stream().flatMap(get -> get.getKvs().stream()).findFirst()
                .map(KeyValue::getValue).orElse(null);
    }

    private ByteSequence toJson(Object value) {
        try {
            return ByteSequence.from(json.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T fromJson(ByteSequence value, Class<T> type) {
        try {
            return json.readValue(value.getBytes(), type);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable " + type.getSimpleName() + ": " + value.toString(UTF_8), e);
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }
}
