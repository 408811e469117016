package dev.microkit.stork.etcd;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;

/**
 * One etcd request within a deadline (jetcd sets none): every unary etcd call of the extension and of the services
 * goes through here, so that a stalled etcd fails each the same way, a {@link TimeoutException} saying "etcd did not
 * answer within N ms". ({@link EtcdCallDeadline} puts the same timeout on each gRPC call, so that etcd stops working on
 * it too.) The clients do not wait for a connection before a call
 * ({@code waitForReady(false)}, see {@link EtcdClients}), so a call refused at once (UNAVAILABLE: etcd restarting,
 * the member it went to died, the channel still backing off before it reconnects) is tried again, with a short
 * backoff, until the deadline: the same patience as waiting for the connection, but a TLS handshake failure, which
 * would fail the same way again, ends at once with its cause.
 */
public final class EtcdCall {

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(50);
    private static final Duration MAX_BACKOFF = Duration.ofMillis(250);

    private EtcdCall() {
    }

    /**
     * Only for requests that are safe to repeat. The answer comes back on the caller's Vert.x context, not on jetcd's
     * own threads: what follows runs where it was started, with that request's trace and log context.
     */
    public static <T> Uni<T> within(Duration timeout, Supplier<CompletableFuture<T>> request) {
        return CallerContext.backOnCaller(inBackground(timeout, request));
    }

    /**
     * {@link #within}, for work that no request waits for (registration, watches): the answer stays on the thread that
     * completes it (jetcd's, or Mutiny's timer at the deadline), and what follows must not block there.
     */
    public static <T> Uni<T> inBackground(Duration timeout, Supplier<CompletableFuture<T>> request) {
        return Uni.createFrom().deferred(() -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            return Uni.createFrom().completionStage(() -> request.get().orTimeout(
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS))
                    .onFailure(failure -> refused(failure) && deadline - System.nanoTime() > FIRST_BACKOFF.toNanos())
                    .retry().withBackOff(FIRST_BACKOFF, MAX_BACKOFF).indefinitely()
                    .onFailure(TimeoutException.class).transform(late -> new TimeoutException(
                            "etcd did not answer within " + timeout.toMillis() + " ms"));
        });
    }

    /**
     * etcd refused the call at once in a way another attempt may not (UNAVAILABLE: restarting, unreachable, no
     * connection yet); false for a TLS handshake failure, which would fail the same way again.
     */
    public static boolean refused(Throwable failure) {
        if (Causes.of(failure).anyMatch(SSLException.class::isInstance)) {
            return false;
        }
        return failure instanceof EtcdException e ? e.getErrorCode() == ErrorCode.UNAVAILABLE
                : Status.fromThrowable(failure).getCode() == Status.Code.UNAVAILABLE;
    }
}
