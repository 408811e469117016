package dev.microkit.stork.etcd;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * The leases of one etcd client: granted and revoked within a deadline ({@link EtcdCall}), kept alive until closed or
 * lost. Whoever holds a lease decides what a loss means (the registrar puts its key again, the outbox grants a new
 * lease at its next claim); what jetcd's keep-alive reports is read here, once:
 * <ul>
 * <li>{@code onError} with NOT_FOUND: etcd no longer has the lease ({@link Loss#GONE});</li>
 * <li>{@code onCompleted}: no keep-alive was answered within the TTL, counted on this side, and jetcd gave up; etcd
 * may still have the lease (a new leader extends every lease by its election timeout) ({@link Loss#UNANSWERED}). The
 * same when the first keep-alive is not answered within the TTL: jetcd would wait for it as long as the client's gRPC
 * keep-alive timeout, 10 s by default, whatever the TTL;</li>
 * <li>any other {@code onError}: transient, jetcd goes on by itself.</li>
 * </ul>
 * Losses are reported on jetcd's threads (an unanswered first keep-alive on Mutiny's scheduler): the consumer must not
 * block, nor call jetcd while holding a lock jetcd may wait for.
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
     * Keeps {@code leaseId} alive until the returned client is closed; {@code lost} is told when it is lost, once, and
     * then it is no longer kept alive. Nothing is reported after the client was closed.
     *
     * @param ttl the lease's TTL: when not even the first keep-alive is answered within it, the lease is lost
     *            ({@link Loss#UNANSWERED})
     */
    public CloseableClient keepAlive(long leaseId, Duration ttl, Consumer<Loss> lost) {
        AtomicBoolean over = new AtomicBoolean(); // reported, or closed: nothing more is told
        AtomicBoolean answered = new AtomicBoolean();
        Consumer<Loss> once = loss -> {
            if (over.compareAndSet(false, true)) {
                lost.accept(loss);
            }
        };
        CloseableClient keepAlive = etcd.getLeaseClient().keepAlive(leaseId, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse response) {
                answered.set(true); // renewed
            }

            @Override
            public void onError(Throwable failure) {
                if (EtcdErrors.isLeaseNotFound(failure)) {
                    once.accept(Loss.GONE); // and jetcd stops keeping it alive
                } else {
                    LOG.debugf("Keep-alive of lease %x failed, jetcd retries: %s", leaseId, failure);
                }
            }

            @Override
            public void onCompleted() {
                once.accept(Loss.UNANSWERED);
            }
        });
        // jetcd counts the wait for the first answer from the client's gRPC keep-alive timeout, not from the TTL
        // (LeaseImpl.KeepAliveObserver, jetcd 0.8.5): with etcd stalled from the start, a lease of 2 s was reported
        // after 10 s, when it had long expired. Here the first answer is awaited for the TTL, as jetcd awaits the
        // others.
        Cancellable firstAnswer = Uni.createFrom().voidItem().onItem().delayIt().by(ttl).subscribe().with(ignored -> {
            if (!answered.get() && !over.get()) {
                keepAlive.close();
                once.accept(Loss.UNANSWERED);
            }
        });
        return new CloseableClient() {
            @Override
            public void close() {
                over.set(true);
                firstAnswer.cancel();
                keepAlive.close();
            }
        };
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
