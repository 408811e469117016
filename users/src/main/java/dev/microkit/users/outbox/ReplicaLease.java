package dev.microkit.users.outbox;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.CallerContext;
import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.EtcdLeases;
import dev.microkit.stork.etcd.LastEtcdFailure;
import dev.microkit.users.store.StoreUnavailableException;
import io.etcd.jetcd.support.CloseableClient;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * This replica's lease in etcd, which its outbox claims are bound to: kept alive while the replica lives, so the
 * claims of a crashed replica vanish after {@code outbox.claim-ttl}, and revoked at shutdown, so they free at once.
 * Granted on first use; granted anew when lost.
 */
@ApplicationScoped
@Startup // the jetcd client is built at startup, on the main thread
public class ReplicaLease {

    private static final Logger LOG = Logger.getLogger(ReplicaLease.class);

    private final String replicaId = UUID.randomUUID().toString();
    private final EtcdLeases leases;
    private final Duration ttl;
    private final Duration timeout;
    private final LastEtcdFailure lastFailure;
    private CompletableFuture<Long> current; // guarded by this
    /** The lease {@link #current} granted, 0 while it is being granted (etcd never grants lease 0); guarded by this. */
    private long currentId;
    private CloseableClient keepAlive; // guarded by this

    @Inject
    ReplicaLease(EtcdClients clients, OutboxConfig config, EtcdConfig etcdConfig) {
        this.ttl = config.claimTtl();
        this.timeout = etcdConfig.requestTimeout();
        this.leases = new EtcdLeases(clients.main(), timeout);
        this.lastFailure = clients.lastFailure();
    }

    /** This replica's id, the value of its claims: a claim of ours that we do not work on is stale, ours to retake. */
    public String replicaId() {
        return replicaId;
    }

    /** The lease id; the first call (or the first after the lease was lost) grants one. */
    public Uni<Long> id() {
        CompletableFuture<Long> lease;
        boolean grant = false;
        synchronized (this) {
            if (current == null) {
                current = new CompletableFuture<>();
                grant = true;
            }
            lease = current;
        }
        if (grant) {
            leases.grant(ttl)
                    .map(granted -> granted.getID())
                    .invoke(this::keepAlive)
                    .onFailure().invoke(failure -> lost(0, EtcdErrors.describe(failure)))
                    .onFailure().transform(failure -> StoreUnavailableException.because("store the user", failure,
                            timeout, EtcdErrors.describe(failure, lastFailure)))
                    .subscribe().with(lease::complete, lease::completeExceptionally);
        }
        // A new Uni for each caller, made here on the caller's context, and answered there: one Uni kept and shared
        // (memoized) carries the context of the request that made it, and Quarkus 3.33's context propagation puts
        // that request's trace on every later caller's context (quarkusio/quarkus#54354; users' log lines of later
        // requests and outbox emails carried the first request's trace id).
        return CallerContext.backOnCaller(Uni.createFrom().completionStage(lease));
    }

    /** jetcd is not called while this object's lock is held: jetcd calls back into it. */
    private void keepAlive(long lease) {
        CloseableClient client = leases.keepAlive(lease, ttl, loss -> lost(lease, loss.toString()));
        CloseableClient stale = null;
        synchronized (this) {
            if (currentId == 0 && current != null) {
                currentId = lease;
                keepAlive = client;
            } else {
                stale = client; // lost before its keep-alive started
            }
        }
        if (stale != null) {
            stale.close();
        }
    }

    /**
     * Lease {@code lease} is gone (0: the grant failed): the next claim grants a new one. A late word about an older
     * lease changes nothing: dropping the live one would let its claims expire while their emails are being sent.
     */
    void lost(long lease, String why) {
        CloseableClient renewing;
        synchronized (this) {
            if (current == null || currentId != lease) {
                LOG.debugf("Outbox lease %x already replaced; ignored: %s", lease, why);
                return;
            }
            current = null;
            currentId = 0;
            renewing = keepAlive;
            keepAlive = null;
        }
        LOG.debugf("Outbox lease %x dropped (%s); the next claim grants a new one", lease, why);
        if (renewing != null) {
            renewing.close();
        }
    }

    @PreDestroy
    void revoke() {
        CompletableFuture<Long> lease;
        CloseableClient renewing;
        synchronized (this) {
            lease = current;
            renewing = keepAlive;
            current = null;
            currentId = 0;
            keepAlive = null;
        }
        if (lease == null) {
            return;
        }
        if (renewing != null) {
            renewing.close();
        }
        try {
            long id = lease.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            // ends within the timeout
            leases.revoke(id, timeout).subscribeAsCompletionStage().get();
        } catch (Exception e) {
            LOG.debugf("Could not revoke the outbox lease; its claims expire within %s: %s", ttl, e);
        }
    }
}
