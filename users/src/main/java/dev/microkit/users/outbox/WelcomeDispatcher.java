package dev.microkit.users.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.microkit.users.notify.NotificatorClient;
import dev.microkit.users.store.PendingWelcome;
import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Sends the welcome emails that could not be sent when their user was created, in every users replica, also after a
 * restart: the outbox lives in etcd. A replica claims an email before sending it (a key bound to its lease), so
 * replicas never send the same one concurrently; delivery is at least once, with the user id as idempotency key, so
 * notificator answers the same id and does not send twice. Failed attempts are retried with capped exponential
 * backoff.
 */
@ApplicationScoped
public class WelcomeDispatcher {

    private static final Logger LOG = Logger.getLogger(WelcomeDispatcher.class);
    static final String WELCOME = "Hi! Thank you for registration...";

    private final UserStore store;
    private final ReplicaLease lease;
    private final NotificatorClient notificator;
    private final OutboxConfig config;
    private final Vertx vertx;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean polling;
    private volatile boolean failureReported;
    private long timer = -1;

    @Inject
    WelcomeDispatcher(UserStore store, ReplicaLease lease, NotificatorClient notificator, OutboxConfig config,
            Vertx vertx) {
        this.store = store;
        this.lease = lease;
        this.notificator = notificator;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(config.pollInterval().toMillis(), tick -> poll());
    }

    @PreDestroy
    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Creates a user whose welcome email this replica claims in the same transaction, to send it at once. */
    public Uni<User> create(String email) {
        return lease.id().chain(id -> store.create(email, id, lease.replicaId()));
    }

    /**
     * Sends the welcome email of a user just {@link #create created}.
     *
     * @return the notification id, or a failure once the email is rescheduled for the dispatcher
     */
    public Uni<String> sendNow(User user) {
        inFlight.add(user.id());
        return send(user, new PendingWelcome(user.id(), user.email(), 0, user.createdAt()))
                .onTermination().invoke(() -> inFlight.remove(user.id()));
    }

    private void poll() {
        if (polling) {
            return;
        }
        polling = true;
        store.pending()
                .onTermination().invoke(() -> polling = false)
                .subscribe().with(pending -> {
                    failureReported = false;
                    Instant now = Instant.now();
                    pending.stream()
                            .filter(entry -> !entry.nextAttemptAt().isAfter(now))
                            .filter(entry -> !inFlight.contains(entry.userId()))
                            .limit(Math.max(0, config.maxInFlight() - inFlight.size()))
                            .forEach(this::claimAndSend);
                }, failure -> {
                    if (!failureReported) {
                        LOG.warnf("Cannot look for pending welcome emails: %s", failure.getMessage());
                        failureReported = true;
                    }
                });
    }

    private void claimAndSend(PendingWelcome entry) {
        if (!inFlight.add(entry.userId())) {
            return;
        }
        lease.id().chain(id -> store.claim(entry.userId(), id, lease.replicaId()))
                .chain(claimed -> claimed
                        ? store.find(entry.userId()).chain(user -> user.isPresent()
                                ? send(user.get(), entry).replaceWithVoid()
                                : Uni.createFrom().voidItem())
                        : Uni.createFrom().voidItem())
                .onTermination().invoke(() -> inFlight.remove(entry.userId()))
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("Welcome email for user %s not sent yet: %s", entry.userId(),
                        failure.getMessage()));
    }

    /**
     * Sends, then records it on the user. A failure to send reschedules it and gives up the claim; a failure to
     * record it leaves the entry claimed by this replica, which sends it again later under the same idempotency key.
     */
    private Uni<String> send(User user, PendingWelcome entry) {
        return notificator.sendEmail(user.email(), WELCOME, user.id())
                .onFailure().call(failure -> reschedule(entry, failure))
                .call(notificationId -> store.markSent(user, notificationId)
                        .invoke(sent -> LOG.infof("Welcome email %s sent to %s (user %s)%s", notificationId,
                                user.email(), user.id(), entry.attempts() > 0
                                        ? " at attempt " + (entry.attempts() + 1)
                                        : ""))
                        .onFailure().invoke(failure -> LOG.warnf(
                                "Welcome email %s sent to %s (user %s) but not recorded (%s); it is recorded later",
                                notificationId, user.email(), user.id(), failure.getMessage()))
                        .onFailure().recoverWithNull());
    }

    private Uni<Void> reschedule(PendingWelcome entry, Throwable failure) {
        int attempts = entry.attempts() + 1;
        Duration pause = backoff(attempts);
        if (attempts == 1) {
            LOG.warnf("Welcome email to %s (user %s) not sent (%s); retrying in the background", entry.email(),
                    entry.userId(), failure.getMessage());
        }
        return store.release(new PendingWelcome(entry.userId(), entry.email(), attempts, Instant.now().plus(pause)))
                .onFailure().invoke(releaseFailure -> LOG.debugf(
                        "Cannot reschedule the welcome email of user %s; its claim expires by itself: %s",
                        entry.userId(), releaseFailure.getMessage()))
                .onFailure().recoverWithNull();
    }

    private Duration backoff(int attempts) {
        Duration pause = config.retryInitialBackoff().multipliedBy(1L << Math.min(attempts - 1, 20));
        return pause.compareTo(config.retryMaxBackoff()) > 0 ? config.retryMaxBackoff() : pause;
    }
}
