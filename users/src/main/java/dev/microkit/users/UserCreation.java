package dev.microkit.users;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.microkit.users.outbox.ReplicaLease;
import dev.microkit.users.outbox.WelcomeDispatcher;
import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * Creates a user and welcomes them by email through notificator. The user is stored with its pending welcome email in
 * one transaction (an outbox), claimed by this replica, so the email is never lost: sent at once when a notificator
 * takes it, else later by whichever replica's {@link WelcomeDispatcher} holds the claim.
 */
@ApplicationScoped
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
    private final ReplicaLease lease;
    private final WelcomeDispatcher welcome;
    private final Counter welcomedAtOnce;
    private final Counter welcomePending;

    @Inject
    UserCreation(UserStore store, ReplicaLease lease, WelcomeDispatcher welcome, MeterRegistry meters) {
        this.store = store;
        this.lease = lease;
        this.welcome = welcome;
        // The other outcomes (400, 409, 413, 503) are in Quarkus' http_server_requests_seconds, by status.
        this.welcomedAtOnce = created(meters, "sent");
        this.welcomePending = created(meters, "pending");
    }

    /**
     * @param trace the trace of the request that asks, carried into the welcome email's call: later steps may run on
     *              other threads
     * @return the user; a failure (conflict, store unavailable) when nothing was created
     */
    public Uni<Created> create(String email, Context trace) {
        String id = UUID.randomUUID().toString();
        return welcome.sendingAtOnce(id, lease.id().chain(leaseId -> store.create(id, email, leaseId,
                lease.replicaId())))
                .chain(user -> welcome.sendNow(user, trace)
                        .map(notificationId -> new Created(user.id(), user.email(), notificationId, null))
                        .onFailure().recoverWithItem(() -> new Created(user.id(), user.email(), null,
                                User.Notification.PENDING))
                        .invoke(created -> (created.notificationId() != null ? welcomedAtOnce : welcomePending)
                                .increment()));
    }

    /** {@code users_created_total{welcome="sent|pending"}}: users created, welcome email sent at once or later. */
    private static Counter created(MeterRegistry meters, String welcome) {
        return Counter.builder("users.created").tag("welcome", welcome)
                .description("users created (201), by whether the welcome email was sent at once or is pending")
                .register(meters);
    }
}
