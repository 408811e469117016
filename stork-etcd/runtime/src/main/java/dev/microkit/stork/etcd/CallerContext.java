package dev.microkit.stork.etcd;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Answers of etcd and of other gRPC services come on their clients' threads (a jetcd executor, a gRPC event loop
 * outside any Vert.x dispatch), which may carry any Vert.x context, even an earlier request's. What follows a call runs
 * back on the context that made it, with that request's trace and log context.
 */
public final class CallerContext {

    private CallerContext() {
    }

    /** {@code answer}, delivered on the Vert.x context of whoever subscribes (when there is one). */
    public static <T> Uni<T> backOnCaller(Uni<T> answer) {
        return Uni.createFrom().deferred(() -> {
            Executor caller = current();
            return caller == null ? answer : answer.emitOn(caller);
        });
    }

    /** Runs tasks on the current Vert.x context (here, once that is stopped); null when this thread has none. */
    public static Executor current() {
        Context caller = Vertx.currentContext();
        return caller == null ? null : task -> {
            try {
                caller.runOnContext(ignored -> task.run());
            } catch (RejectedExecutionException stopped) {
                // the caller's event loop is gone (the application is stopping) and nobody waits there any more: an
                // answer that comes that late (e.g. a retry jetcd scheduled before its client closed) ends here
                task.run();
            }
        };
    }
}
