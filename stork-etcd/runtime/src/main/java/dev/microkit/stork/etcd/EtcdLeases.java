package dev.microkit.stork.etcd;

import java.time.Duration;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Uni;

/**
 * The leases of one etcd client: granted and revoked within a deadline ({@link EtcdCall}), kept alive until closed or
 * lost. Whoever holds a lease decides what a loss means (the registrar puts its key again, the outbox grants a new
 * lease at its next claim); what jetcd's keep-alive reports is read here, once:
 * <ul>
 * <li>{@code onError} with NOT_FOUND: etcd no longer has the lease ({@link Loss#GONE});</li>
 * <li>{@code onCompleted}: no keep-alive was answered within the TTL, counted on this side, and jetcd gave up; etcd
 * may still have the lease (a new leader extends every lease by its election timeout) ({@link Loss#UNANSWERED});</li>
 * <li>any other {@code onError}: transient, jetcd goes on by itself.</li>
 * </ul>
 * Losses are reported on jetcd's threads: the consumer must not block, nor call jetcd while holding a lock jetcd
 * may wait for.
 */
public final class EtcdLeases {

    private static final Logger LOG = Logger.getLogger(EtcdLeases.class);

    /** Why a kept lease is no longer kept alive. */
    public enum Loss {
        GONE("lease not found"),
        UNANSWERED("no keep-alive answered within the ttl");

        private final String why;

        Loss(String why) {
            this.why = why;
        }

        /** Whether etcd may still have the lease (and the keys on it): worth asking before granting another. */
        public boolean mayStillLive() {
            return this == UNANSWERED;
        }

        @Override
        public String toString() {
            return why;
        }
    }

    private final Client etcd;
    private final Duration requestTimeout;

    public EtcdLeases(Client etcd, Duration requestTimeout) {
        this.etcd = etcd;
        this.requestTimeout = requestTimeout;
    }

    /** A new lease of {@code ttl} (whole seconds, as etcd counts). */
    public Uni<LeaseGrantResponse> grant(Duration ttl) {
        return EtcdCall.inBackground(requestTimeout, () -> etcd.getLeaseClient().grant(ttl.toSeconds()));
    }

    /**
     * Keeps {@code leaseId} alive until the returned client is closed; {@code lost} is told when it is lost, and then
     * it is no longer kept alive. Nothing is reported after the client was closed.
     */
    public CloseableClient keepAlive(long leaseId, Consumer<Loss> lost) {
        return etcd.getLeaseClient().keepAlive(leaseId, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
                // renewed
            }

            @Override
            public void onError(Throwable failure) {
                if (EtcdErrors.isLeaseNotFound(failure)) {
                    lost.accept(Loss.GONE); // and jetcd stops keeping it alive
                } else {
                    LOG.debugf("Keep-alive of lease %x failed, jetcd retries: %s", leaseId, failure);
                }
            }

            @Override
            public void onCompleted() {
                lost.accept(Loss.UNANSWERED);
            }
        });
    }

    /**
     * Revokes the lease: its keys are gone at once. A lease etcd no longer has is revoked already. Fails with why when
     * etcd does not answer within {@code timeout}.
     */
    public Uni<Void> revoke(long leaseId, Duration timeout) {
        return EtcdCall.inBackground(timeout, () -> etcd.getLeaseClient().revoke(leaseId)).replaceWithVoid()
                .onFailure(EtcdErrors::isLeaseNotFound).recoverWithNull();
    }

    /** Revokes the lease in the background; when that fails, the lease expires by itself. */
    public void revokeQuietly(long leaseId) {
        revoke(leaseId, requestTimeout).subscribe().with(ignored -> {
        }, failure -> LOG.debugf("Could not revoke lease %x, it expires by itself: %s", leaseId, failure));
    }
}
