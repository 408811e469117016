package dev.microkit.users.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.users.notify.NotificatorClient;
import dev.microkit.users.notify.NotificatorConfig;
import dev.microkit.users.store.PendingWelcome;
import dev.microkit.users.store.SentWelcome;
import dev.microkit.users.store.StoreUnavailableException;
import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Sends the welcome emails that could not be sent when their user was created, in every users replica, also after a
 * restart: the outbox lives in etcd. A new user's email is not due for {@code outbox.claim-ttl}, its creator's time to
 * send it at once and record it; a dispatcher claims an email before sending it (a key bound to its replica's lease),
 * so replicas never send the same one concurrently. Delivery is at least once, with the user id as idempotency key,
 * so notificator answers the same id and does not send twice. Failed attempts are retried with capped exponential
 * backoff.
 */
@ApplicationScoped
public class WelcomeDispatcher {

    private static final Logger LOG = Logger.getLogger(WelcomeDispatcher.class);
    static final String WELCOME = "Hi! Thank you for registration...";
    /** Outbox entries read per poll (a few hundred bytes each). */
    public static final int PAGE = 512;

    private final UserStore store;
    private final ReplicaLease lease;
    private final NotificatorClient notificator;
    private final SentRecorder recorder;
    private final OutboxConfig config;
    private final Vertx vertx;
    /** Users whose welcome email this replica is sending now, from /create or from the outbox. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Outbox entries this replica's dispatcher is sending now. */
    private final AtomicInteger dispatching = new AtomicInteger();
    /** A poll is running: polls never overlap, wherever they are started from. */
    private final AtomicBoolean polling = new AtomicBoolean();
    /** The last poll saw more due entries than it could take: poll again as soon as the batch is done. */
    private volatile boolean backlog;
    private volatile boolean pollFailureReported;
    /** Welcome emails fail to send: reported once, until one is sent again. */
    private final AtomicBoolean sendFailing = new AtomicBoolean();
    private volatile long timer = -1;
    /**
     * How long the stop waits for the emails being sent: the longest path of one (create, send, record at once), and
     * never longer than {@code outbox.claim-ttl}.
     */
    private final Duration drainBound;
    /** Shutdown began: no new poll, no new claim. */
    private volatile boolean stopping;
    /**
     * The dispatcher's own Vert.x context, made at startup: every poll runs on it, never on the context of the
     * request or call whose completion started it (which would carry that request's trace into the sends).
     */
    private volatile io.vertx.core.Context context;
    /** Outbox entries as of the last poll from the start, for the gauge {@code users_outbox_pending}. */
    private volatile long pendingSeen;
    /** Where the next poll reads the outbox from: after this key, or from the start when null. */
    private volatile String cursor;

    @Inject
    WelcomeDispatcher(UserStore store, ReplicaLease lease, NotificatorClient notificator, SentRecorder recorder,
            OutboxConfig config, NotificatorConfig notificatorConfig, EtcdConfig etcd, Vertx vertx,
            MeterRegistry meters) {
        // while draining, the recorder writes at once
        Duration longestPath = config.creatorPath(etcd.requestTimeout(), notificatorConfig.deadline(), Duration.ZERO);
        this.drainBound = longestPath.compareTo(config.claimTtl()) < 0 ? longestPath : config.claimTtl();
        Gauge.builder("users.outbox.pending", this, dispatcher -> dispatcher.pendingSeen)
                .description("welcome emails waiting in the outbox (all replicas), as of this replica's last poll")
                .register(meters);
        this.store = store;
        this.lease = lease;
        this.notificator = notificator;
        this.recorder = recorder;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        // duplicated: what the polls' callbacks attach (a trace, a log context) stays on it, never on the event loop
        context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        context.runOnContext(ignored -> timer = vertx.setPeriodic(config.pollInterval().toMillis(), tick -> poll()));
    }

    /**
     * Ends this replica's part at shutdown, after the HTTP server has answered the requests it had taken
     * ({@code quarkus.shutdown.timeout}) and before {@link ReplicaLease} frees the replica's claims: stops polling, has
     * the recorder write every batch at once from now on, and waits until every email being sent is sent and
     * recorded, or failed and released: at most the longest path of one (create, send, record), and never longer
     * than {@code outbox.claim-ttl}, after which other replicas take them up anyway. Then the recorder writes what is
     * left. Freed earlier, a claim lets another replica send an email this one is still sending: sent twice.
     */
    void drain(@Observes ShutdownEvent event) {
        stopping = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        recorder.writeAtOnce();
        long deadline = System.nanoTime() + drainBound.toNanos();
        int waitedFor = inFlight.size();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10); // the shutdown thread: the sends end on the event loops
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!inFlight.isEmpty()) {
            LOG.warnf("Stopping with %d welcome email(s) still being sent after %d ms; other replicas send them once "
                    + "their claims expire, under the same idempotency key", inFlight.size(), drainBound.toMillis());
        } else if (waitedFor > 0) {
            LOG.infof("Stopped sending welcome emails: the %d being sent were sent or put back", waitedFor);
        }
        recorder.flush();
    }

    /**
     * Marks the welcome email of {@code userId}, being created by {@code creation}, as this replica's to
     * {@link #sendNow send at once}: from before the transaction, so that this replica's own dispatcher leaves it alone
     * even past its due time, until the creation fails or is cancelled (the client went away: the transaction may
     * commit all the same, and then a dispatcher sends the email once it is due), or answers a user created earlier
     * (nothing to send), or until {@link #sendNow} ends.
     */
    public Uni<UserStore.Stored> sendingAtOnce(String userId, Uni<UserStore.Stored> creation) {
        return Uni.createFrom().deferred(() -> {
            inFlight.add(userId);
            return creation.onTermination().invoke((stored, failure, cancelled) -> {
                if (failure != null || cancelled || stored.repeated()) {
                    inFlight.remove(userId);
                }
            });
        });
    }

    /**
     * Sends the welcome email of a user just created (see {@link #sendingAtOnce}); it is recorded as sent later, in a
     * batch (see {@link SentRecorder}), and stays this replica's until then.
     *
     * @param entry its outbox entry, written with the user
     * @param trace the trace of the request that created the user
     * @return the notification id, or a failure once the email is rescheduled for the dispatcher
     */
    public Uni<String> sendNow(User user, PendingWelcome entry, Context trace) {
        return send(user, entry, trace)
                // notificator logs each email it sends (same trace id); users logs what did not go as asked
                .invoke(notificationId -> LOG.debugf("Welcome email %s sent to %s (user %s)", notificationId,
                        user.email(), user.id()))
                .onTermination().invoke((notificationId, failure, cancelled) -> {
                    if (notificationId == null) {
                        inFlight.remove(user.id());
                    } else {
                        recorded(user, entry, notificationId).subscribe().with(ok -> inFlight.remove(user.id()));
                    }
                });
    }

    private void poll() {
        if (stopping || !polling.compareAndSet(false, true)) {
            return;
        }
        String after = cursor;
        Instant now = Instant.now();
        store.pending(after, PAGE, now)
                .onTermination().invoke(() -> polling.set(false))
                .subscribe().with(page -> {
                    pollFailureReported = false;
                    if (page.count() >= 0) {
                        pendingSeen = page.count();
                    }
                    cursor = page.more() ? page.lastKey() : null;
                    List<PendingWelcome> due = page.entries().stream()
                            .filter(entry -> !entry.nextAttemptAt().isAfter(now)) // the page ends a millisecond later
                            .filter(entry -> !inFlight.contains(entry.userId()))
                            .toList();
                    int room = Math.max(0, config.maxInFlight() - dispatching.get());
                    backlog = due.size() > room || page.more();
                    due.stream().limit(room).forEach(this::claimAndSend);
                    if (due.isEmpty() && page.more()) {
                        context.runOnContext(nothing -> poll()); // nothing due here: look at the next page now
                    }
                }, failure -> {
                    if (!pollFailureReported) {
                        LOG.warnf("Cannot look for pending welcome emails: %s",
                                failure instanceof StoreUnavailableException unavailable ? unavailable.detail()
                                        : failure.getMessage());
                        pollFailureReported = true;
                    }
                });
    }

    private void claimAndSend(PendingWelcome entry) {
        if (stopping || !inFlight.add(entry.userId())) {
            return;
        }
        dispatching.incrementAndGet();
        // Each email on a Vert.x context of its own: its etcd answers and gRPC callbacks come back there, and it
        // starts a trace of its own, whatever an earlier email left behind.
        VertxContext.createNewDuplicatedContext(context).runOnContext(ignored -> dispatch(entry));
    }

    private void dispatch(PendingWelcome entry) {
        lease.id().chain(id -> store.claim(entry, id, lease.replicaId()))
                .chain(claimed -> claimed
                        ? store.find(entry.userId()).chain(user -> user.isEmpty() ? dropOrphan(entry)
                                : user.get().welcomed() ? dropSent(entry)
                                        : send(user.get(), entry, Context.root())
                                                .invoke(notificationId -> LOG.infof(
                                                        "Welcome email %s sent to %s (user %s) from the outbox, "
                                                                + "attempt %d",
                                                        notificationId, user.get().email(), user.get().id(),
                                                        entry.attempts() + 1))
                                                .chain(notificationId -> recorded(user.get(), entry, notificationId)))
                        : Uni.createFrom().voidItem())
                .onTermination().invoke(() -> {
                    inFlight.remove(entry.userId());
                    if (dispatching.decrementAndGet() == 0 && backlog) {
                        context.runOnContext(nothing -> poll());
                    }
                })
                .subscribe().with(ok -> {
                }, failure -> LOG.debugf("Welcome email for user %s not sent yet: %s", entry.userId(),
                        failure.getMessage()));
    }

    /** Sends. A failure to send reschedules it and gives up the claim. */
    private Uni<String> send(User user, PendingWelcome entry, Context trace) {
        return notificator.sendEmail(user.email(), WELCOME, user.id(), trace)
                .invoke(notificationId -> {
                    if (sendFailing.compareAndSet(true, false)) {
                        LOG.info("Welcome emails are being sent again");
                    }
                })
                .onFailure().call(failure -> reschedule(entry, failure));
    }

    /**
     * Records a sent email on its user. A failure leaves the entry claimed by this replica, which sends it again later
     * under the same idempotency key (the recorder reports such failures).
     */
    private Uni<Void> recorded(User user, PendingWelcome entry, String notificationId) {
        return recorder.record(new SentWelcome(user.sent(notificationId), entry))
                .invoke(() -> notificator.settled(user.id()))
                .onFailure().invoke(failure -> LOG.debugf("Welcome email %s to %s (user %s) not recorded: %s",
                        notificationId, user.email(), user.id(), failure.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** An outbox entry whose user is gone (deleted by hand): nobody to welcome, so it goes too. */
    private Uni<Void> dropOrphan(PendingWelcome entry) {
        LOG.warnf("Dropping the welcome email to %s: user %s does not exist", entry.email(), entry.userId());
        return store.dropPending(entry);
    }

    /**
     * An outbox entry whose email is recorded as sent: one that a replica of an earlier version recorded without
     * dropping this entry (it dropped the entry of the earlier layout). Sent once is enough.
     */
    private Uni<Void> dropSent(PendingWelcome entry) {
        LOG.debugf("Dropping the welcome email to %s (user %s): recorded as sent already", entry.email(),
                entry.userId());
        return store.dropPending(entry);
    }

    private Uni<Void> reschedule(PendingWelcome entry, Throwable failure) {
        int attempts = entry.attempts() + 1;
        Duration pause = backoff(attempts);
        if (sendFailing.compareAndSet(false, true)) {
            LOG.warnf("Welcome emails cannot be sent now (%s): they stay pending in the outbox and are retried",
                    failure.getMessage());
        } else {
            LOG.debugf("Welcome email to %s (user %s) not sent, attempt %d: %s", entry.email(), entry.userId(),
                    attempts, failure.getMessage());
        }
        return store.release(entry, new PendingWelcome(entry.userId(), entry.email(), attempts,
                Instant.now().plus(pause)))
                .onFailure().invoke(releaseFailure -> LOG.debugf(
                        "Cannot reschedule the welcome email of user %s; this replica takes it up again later: %s",
                        entry.userId(), releaseFailure.getMessage()))
                .onFailure().recoverWithNull();
    }

    private Duration backoff(int attempts) {
        Duration pause = config.retryInitialBackoff().multipliedBy(1L << Math.min(attempts - 1, 20));
        return pause.compareTo(config.retryMaxBackoff()) > 0 ? config.retryMaxBackoff() : pause;
    }
}
