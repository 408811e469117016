package dev.microkit.users;

import java.time.Duration;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.users.notify.NotificatorConfig;
import dev.microkit.users.outbox.OutboxConfig;
import dev.microkit.users.outbox.WelcomeDispatcher;
import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.mutiny.Uni;

/**
 * Creates a user and welcomes them by email through notificator. The user is stored with its pending welcome email in
 * one transaction (an outbox), not due for {@code outbox.claim-ttl} (this replica's while it sends it at once), so the
 * email is never lost: sent at once when a notificator takes it, else later by a replica's {@link WelcomeDispatcher}.
 */
@ApplicationScoped
@Startup // checks its configuration: a start with one it refuses fails
public class UserCreation {

    /**
     * A user created: with the {@code notificationId} when the welcome email was sent at once, with
     * {@code "notification": "pending"} when it will be sent later.
     */
    @RegisterForReflection // serialised from inside a Response: native image cannot see it otherwise
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Created(String id, String email, String notificationId, String notification) {
    }

    private final UserStore store;
    private final Duration heldFor;
    private final WelcomeDispatcher welcome;
    private final CreateAdmission admission;
    private final Counter welcomedAtOnce;
    private final Counter welcomePending;

    @Inject
    UserCreation(UserStore store, OutboxConfig outbox, NotificatorConfig notificator, EtcdConfig etcd,
            WelcomeDispatcher welcome, CreateAdmission admission, MeterRegistry meters) {
        Duration creatorPath = outbox.creatorPath(etcd.requestTimeout(), notificator.deadline(), outbox.recordDelay());
        if (outbox.claimTtl().compareTo(creatorPath) <= 0) {
            // else another replica may send a welcome email its creator is still sending or recording: sent twice
            throw new ConfigurationException("outbox.claim-ttl (" + outbox.claimTtl().toMillis()
                    + " ms) must be longer than the path of a welcome email sent at once, " + creatorPath.toMillis()
                    + " ms: quarkus.etcd.request-timeout (the create) + notificator.deadline (the send) + "
                    + "outbox.record-delay"
                    + " + quarkus.etcd.request-timeout (the record); other replicas take it up after outbox.claim-ttl");
        }
        this.store = store;
        this.heldFor = outbox.claimTtl();
        this.welcome = welcome;
        this.admission = admission;
        // The other outcomes (400, 409, 413, 503) are in Quarkus' http_server_requests_seconds, by status.
        this.welcomedAtOnce = created(meters, "sent");
        this.welcomePending = created(meters, "pending");
    }

    /**
     * @param idempotencyKey the request's {@code Idempotency-Key}, or null
     * @param trace          the trace of the request that asks, carried into the welcome email's call: later steps
     *                       may run on other threads
     * @return the user; a failure (conflict, store unavailable, too many creates in progress) when nothing was created
     */
    public Uni<Created> create(String email, String idempotencyKey, Context trace) {
        return admission.admit(() -> {
            String id = UUID.randomUUID().toString();
            return welcome.sendingAtOnce(id, store.create(id, email, heldFor, idempotencyKey))
                    .chain(stored -> stored.repeated() ? Uni.createFrom().item(earlier(stored.user()))
                            : welcomed(stored, trace));
        });
    }

    /** A user an earlier request with the same idempotency key created: its welcome email is that request's. */
    private static Created earlier(User user) {
        User.Notification notification = user.notification();
        boolean sent = user.welcomed();
        return new Created(user.id(), user.email(), sent ? notification.id() : null,
                sent ? null : User.Notification.PENDING);
    }

    private Uni<Created> welcomed(UserStore.Stored stored, Context trace) {
        User user = stored.user();
        return welcome.sendNow(user, stored.welcome(), trace)
                .map(notificationId -> new Created(user.id(), user.email(), notificationId, null))
                .onFailure().recoverWithItem(() -> new Created(user.id(), user.email(), null,
                        User.Notification.PENDING))
                .invoke(created -> (created.notificationId() != null ? welcomedAtOnce : welcomePending).increment());
    }

    /** {@code users_created_total{welcome="sent|pending"}}: users created, welcome email sent at once or later. */
    private static Counter created(MeterRegistry meters, String welcome) {
        return Counter.builder("users.created").tag("welcome", welcome)
                .description("users created (201), by whether the welcome email was sent at once or is pending")
                .register(meters);
    }
}
