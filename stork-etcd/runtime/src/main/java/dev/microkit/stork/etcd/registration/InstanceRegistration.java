package dev.microkit.stork.etcd.registration;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.EtcdCall;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.EtcdLeases;
import dev.microkit.stork.etcd.LastEtcdFailure;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.support.CloseableClient;
import io.micrometer.core.instrument.Counter;
import io.smallrye.mutiny.Uni;

/**
 * One instance kept listed in etcd for as long as it serves, the way go-kit's {@code sd/etcdv3} registrar does: its
 * {@link RegistryEntry} bound to a lease that is kept alive, so that a crashed instance disappears after the lease's
 * TTL.
 * <ul>
 * <li>Registers in the background: {@link #start()}'s Uni completes at the first registration, and the instance
 * serves even while etcd is down.</li>
 * <li>When the lease is lost (lease not found, expired during an outage) it grants a new one and puts the key again,
 * with capped backoff, until deregistered. When only jetcd's keep-alive gave up (no answer within the TTL, as while
 * a cluster elects a new leader, which extends every lease) it first asks etcd whether the lease still lives, and
 * keeps it if so: the instance keeps its lease, and nobody sees its key change.</li>
 * <li>When the key is deleted while the lease lives, it is put back on that lease ({@link OwnKeyWatch}).</li>
 * <li>Deregistering revokes the lease: the key is gone at once.</li>
 * </ul>
 * All etcd calls are asynchronous with a deadline; nothing here blocks a jetcd callback.
 */
public final class InstanceRegistration {

    private static final Logger LOG = Logger.getLogger(InstanceRegistration.class);

    /** The lease that currently holds the key. */
    public record Holding(String key, long leaseId) {
    }

    private final RegistryEntry entry;
    private final EtcdRegistrarSettings settings;
    private final Client etcd;
    private final EtcdLeases leases;
    private final LastEtcdFailure lastEtcdFailure;
    private final Counter reregistrations;

    private final Object lock = new Object();
    private final CompletableFuture<Void> firstRegistration = new CompletableFuture<>();
    /** Guarded by {@link #lock}. */
    private Holding holding;
    /** Guarded by {@link #lock}. */
    private CloseableClient keepAlive;
    /** Guarded by {@link #lock}. */
    private OwnKeyWatch ownKeyWatch;
    /** Guarded by {@link #lock}. */
    private boolean started;
    /** Guarded by {@link #lock}. */
    private boolean stopped;
    /** Guarded by {@link #lock}. */
    private boolean registeredBefore;
    /** Guarded by {@link #lock}: the lease that held the key last, 0 before the first registration. */
    private long lastLeaseId;
    /** Guarded by {@link #lock}: only the first failure of a run of failures is logged as a warning. */
    private boolean failureReported;
    /** Why the last registration attempt failed, while not registered; for readiness checks. */
    private volatile String lastFailure;

    InstanceRegistration(RegistryEntry entry, EtcdRegistrarSettings settings, Client etcd, EtcdLeases leases,
            LastEtcdFailure lastEtcdFailure, Counter reregistrations) {
        this.entry = entry;
        this.settings = settings;
        this.etcd = etcd;
        this.leases = leases;
        this.lastEtcdFailure = lastEtcdFailure;
        this.reregistrations = reregistrations;
    }

    /**
     * Starts registering (once); the Uni completes once the key is in etcd. Registering goes on in the background
     * until {@link #deregister()}, also when nobody waits.
     */
    Uni<Void> start() {
        boolean first;
        synchronized (lock) {
            first = !started && !stopped;
            started = true;
        }
        if (first) { // jetcd is not called with the lock held: it calls back into this class
            LOG.infof("Registering %s = %s in etcd %s (ttl %ss)", entry.key(), entry.value(), settings.endpoints(),
                    ttlSeconds());
            register(0);
        }
        return Uni.createFrom().completionStage(firstRegistration);
    }

    /** Its key in etcd, e.g. {@code /services/notificator/10.0.0.7:8082}. */
    public String key() {
        return entry.key();
    }

    /** The lease that holds the key now, if any. */
    public Optional<Holding> holding() {
        synchronized (lock) {
            return Optional.ofNullable(holding);
        }
    }

    /** For health data and the Dev UI: {@code <key> (lease <hex>)} while listed, else why not. */
    public String describe() {
        return holding().map(held -> held.key() + " (lease " + Long.toHexString(held.leaseId()) + ")")
                .orElseGet(() -> "not registered (" + key() + "): " + lastFailure().orElse("not in etcd yet"));
    }

    /** @param mayStillLive a lease that may still hold the key, kept if etcd still has it; 0 if none */
    private void register(long mayStillLive) {
        Candidate candidate = new Candidate(mayStillLive);
        Uni.createFrom().deferred(() -> nextStep(candidate))
                .onFailure(failure -> !isStopped()).invoke(this::reportFailure)
                .onFailure(failure -> !isStopped()).retry()
                .withBackOff(settings.retryInitialBackoff(), settings.retryMaxBackoff()).indefinitely()
                .subscribe().with(this::hold, failure -> {
                    LOG.debugf("Registration ended: %s", failure);
                    if (candidate.leaseId != 0) {
                        // stopped meanwhile; if the put landed, the key goes too
                        leases.revokeQuietly(candidate.leaseId);
                    }
                });
    }

    /** The key was put on {@code leaseId} at {@code revision}. */
    private record Put(long leaseId, long revision) {
    }

    /**
     * The lease one registration puts its key on, while it is not held yet: none (0: grant one), one that lives (put
     * the key on it), or one that may have expired meanwhile ({@code ask} etcd first). A retry repeats only the step
     * that failed, and grants a new lease rather than put on one that may expire before etcd answers (the old one
     * expires by itself: revoking it would be one more call). A try makes one or two calls (three once, when a kept
     * lease turns out to have expired): jetcd spreads calls over the members in turn, and a retry of three calls
     * (grant, put, a revoke of the lease) met the same member with every put, for ever when that member took calls
     * without answering them (cut off from its peers). Tries of one or two calls reach every member of any cluster
     * that still has a majority.
     */
    private static final class Candidate {
        volatile long leaseId;
        volatile boolean ask;
        /** {@link System#nanoTime()} until which the lease surely lives: its TTL counted from before it was asked. */
        volatile long expiresNanos;

        Candidate(long mayStillLive) {
            this.leaseId = mayStillLive;
            this.ask = mayStillLive != 0;
        }

        void lives(long leaseId, long askedNanos, long ttlSeconds) {
            this.leaseId = leaseId;
            this.ask = false;
            this.expiresNanos = askedNanos + TimeUnit.SECONDS.toNanos(ttlSeconds);
        }
    }

    private Uni<Put> nextStep(Candidate candidate) {
        if (isStopped()) {
            return Uni.createFrom().failure(new IllegalStateException("shutting down"));
        }
        if (candidate.ask) {
            return resume(candidate);
        }
        if (candidate.leaseId == 0
                || System.nanoTime() + settings.requestTimeout().toNanos() - candidate.expiresNanos >= 0) {
            return grant(candidate).chain(() -> put(candidate));
        }
        return put(candidate);
    }

    private Uni<Void> grant(Candidate candidate) {
        long asked = System.nanoTime();
        return leases.grant(settings.ttl())
                .invoke(granted -> candidate.lives(granted.getID(), asked, granted.getTTL()))
                .replaceWithVoid();
    }

    /** Puts the key on the candidate; a lease etcd no longer has is replaced at the next try. */
    private Uni<Put> put(Candidate candidate) {
        long leaseId = candidate.leaseId;
        return EtcdCall.inBackground(settings.requestTimeout(), () -> entry.putOn(etcd, leaseId))
                .map(put -> new Put(leaseId, put.getHeader().getRevision()))
                .onFailure(EtcdErrors::isLeaseNotFound).invoke(() -> candidate.leaseId = 0);
    }

    /**
     * Keeps a lease that may have expired: when etcd still has it, the key is put back on it unless it is still
     * there; when etcd does not, a new lease is granted.
     */
    private Uni<Put> resume(Candidate candidate) {
        long leaseId = candidate.leaseId;
        long asked = System.nanoTime();
        return EtcdCall.inBackground(settings.requestTimeout(), () -> etcd.getLeaseClient().timeToLive(leaseId,
                LeaseOption.builder().withAttachedKeys().build()))
                .chain(alive -> {
                    if (alive.getTTL() <= 0) {
                        LOG.infof("Lease %x has expired in etcd; registering %s on a new one", leaseId, entry.key());
                        candidate.ask = false;
                        candidate.leaseId = 0;
                        return nextStep(candidate);
                    }
                    candidate.lives(leaseId, asked, alive.getTTL());
                    if (holdsKey(alive)) {
                        return Uni.createFrom().item(new Put(leaseId, alive.getHeader().getRevision()));
                    }
                    return put(candidate);
                });
    }

    private boolean holdsKey(LeaseTimeToLiveResponse alive) {
        return alive.getKeys().stream().anyMatch(entry.keyBytes()::equals);
    }

    /** The key is on the lease: keep the lease alive and the key in place, unless shutdown came first. */
    private void hold(Put put) {
        long leaseId = put.leaseId();
        OwnKeyWatch watch;
        synchronized (lock) {
            if (stopped) {
                leases.revokeQuietly(leaseId);
                return;
            }
            boolean kept = leaseId == lastLeaseId;
            lastLeaseId = leaseId;
            holding = new Holding(entry.key(), leaseId);
            keepAlive = leases.keepAlive(leaseId, settings.ttl(),
                    loss -> lost(leaseId, loss.toString(), loss.mayStillLive()));
            watch = new OwnKeyWatch(etcd, settings, entry, leaseId, why -> lost(leaseId, why, false));
            ownKeyWatch = watch;
            failureReported = false;
            lastFailure = null;
            if (kept) {
                LOG.infof("Kept lease %x: etcd still holds it and %s; keep-alive resumed", leaseId, entry.key());
            } else {
                if (registeredBefore) {
                    reregistrations.increment();
                }
                LOG.infof("%s %s in etcd (lease %x)", registeredBefore ? "Re-registered" : "Registered", entry.key(),
                        leaseId);
            }
            registeredBefore = true;
        }
        firstRegistration.complete(null);
        watch.start(put.revision() + 1);
    }

    /** Guarded by {@link #lock}. */
    private void stopWatchingOwnKey() {
        if (ownKeyWatch != null) {
            ownKeyWatch.close();
            ownKeyWatch = null;
        }
    }

    /**
     * The lease is gone, or only jetcd's keep-alive gave up ({@code mayStillLive}): put the key again, on the same
     * lease if etcd still has it, else on a new one.
     */
    private void lost(long leaseId, String why, boolean mayStillLive) {
        synchronized (lock) {
            if (stopped || holding == null || holding.leaseId() != leaseId) {
                return;
            }
            holding = null;
            keepAlive.close();
            keepAlive = null;
            stopWatchingOwnKey();
            if (mayStillLive) {
                LOG.warnf("Registration %s at risk (%s); keeping lease %x if etcd still has it, else registering "
                        + "again", entry.key(), why, leaseId);
            } else {
                LOG.warnf("Registration %s lost (%s); registering again", entry.key(), why);
            }
        }
        register(mayStillLive ? leaseId : 0);
    }

    /**
     * Revokes the lease, so that the key is gone at once (clients stop choosing this instance), and stops
     * registering. When etcd does not answer within {@code deregister-timeout} this is said in the log, and the Uni
     * completes all the same: etcd drops the key when the lease expires.
     */
    Uni<Void> deregister() {
        Holding held;
        synchronized (lock) {
            if (stopped) {
                return Uni.createFrom().voidItem();
            }
            stopped = true;
            held = holding;
            holding = null;
            if (keepAlive != null) {
                keepAlive.close();
                keepAlive = null;
            }
            stopWatchingOwnKey();
        }
        firstRegistration.completeExceptionally(new IllegalStateException("deregistered before it was registered"));
        if (held == null) {
            LOG.infof("%s was not registered in etcd, nothing to deregister", entry.key());
            return Uni.createFrom().voidItem();
        }
        Duration timeout = settings.deregisterTimeout();
        return leases.revoke(held.leaseId(), timeout)
                .onItem().invoke(() -> LOG.infof("Deregistered %s from etcd (lease %x revoked)", held.key(),
                        held.leaseId()))
                .onFailure().invoke(failure -> LOG.warnf("Could not deregister %s within %s (%s); etcd drops it "
                        + "when lease %x expires within %ss", held.key(), timeout, failure, held.leaseId(),
                        ttlSeconds()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Why registering failed last, while the instance is not registered. */
    public Optional<String> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    private void reportFailure(Throwable failure) {
        String why = EtcdErrors.describe(failure, lastEtcdFailure);
        lastFailure = why;
        synchronized (lock) {
            if (failureReported) {
                LOG.debugf("Registration attempt failed: %s", why);
                return;
            }
            failureReported = true;
        }
        LOG.warnf("Cannot register %s in etcd %s yet: %s; retrying in the background", entry.key(),
                settings.endpoints(),
                why);
    }

    private boolean isStopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    private long ttlSeconds() {
        return settings.ttl().toSeconds();
    }
}
