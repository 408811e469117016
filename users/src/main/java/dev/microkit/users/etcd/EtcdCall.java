package dev.microkit.users.etcd;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * One etcd request within a deadline (jetcd sets none). The clients do not wait for a connection before a call
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
        return backOnCaller(Uni.createFrom().deferred(() -> {
            long deadline = System.nanoTime() + timeout.toNanos();
            return Uni.createFrom().completionStage(() -> request.get().orTimeout(
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS))
                    .onFailure(failure -> refused(failure) && deadline - System.nanoTime() > FIRST_BACKOFF.toNanos())
                    .retry().withBackOff(FIRST_BACKOFF, MAX_BACKOFF).indefinitely();
        }));
    }

    /**
     * {@code answer}, delivered on the Vert.x context of whoever subscribes (when there is one) rather than on the
     * jetcd thread that completed it: code that follows (a gRPC call, a log line) keeps that request's trace.
     */
    public static <T> Uni<T> backOnCaller(Uni<T> answer) {
        return Uni.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            return caller == null ? answer : answer.emitOn(task -> caller.runOnContext(ignored -> task.run()));
        });
    }

    private static boolean refused(Throwable failure) {
        for (Throwable cause = failure; cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause instanceof SSLException) {
                return false;
            }
        }
        return failure instanceof EtcdException e ? e.getErrorCode() == ErrorCode.UNAVAILABLE
                : Status.fromThrowable(failure).getCode() == Status.Code.UNAVAILABLE;
    }
}
