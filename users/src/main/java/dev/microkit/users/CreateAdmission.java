package dev.microkit.users;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Bounds the creates in progress ({@code create.max-in-progress}) over their whole path, not only the wait for etcd:
 * under a load beyond what etcd and notificator can serve, the requests waiting for a welcome email's answer would
 * otherwise pile up with their connections, and the heap they hold makes the collector, not the requests, take the
 * CPU. Past the bound a create is refused at once with 503 and {@code Retry-After}, which costs about what a 400 costs.
 */
@ApplicationScoped
public class CreateAdmission {

    private final int max;
    private final AtomicInteger inProgress = new AtomicInteger();

    @Inject
    CreateAdmission(CreateConfig config, MeterRegistry meters) {
        this.max = config.maxInProgress();
        Gauge.builder("users.creates.in.progress", inProgress, AtomicInteger::get)
                .description("POST /create requests taken on and not yet answered (at most create.max-in-progress)")
                .register(meters);
    }

    /**
     * @return {@code create}'s outcome, counted in progress from subscription to its end (cancellation included); or
     *         at once a {@link TooManyCreatesException} when {@code create.max-in-progress} are in progress
     */
    public <T> Uni<T> admit(Supplier<Uni<T>> create) {
        return Uni.createFrom().deferred(() -> {
            if (inProgress.incrementAndGet() > max) {
                inProgress.decrementAndGet();
                return Uni.createFrom().failure(new TooManyCreatesException(max));
            }
            Uni<T> created;
            try {
                created = create.get();
            } catch (RuntimeException e) {
                inProgress.decrementAndGet();
                throw e;
            }
            return created.onTermination().invoke(inProgress::decrementAndGet);
        });
    }

    /** More creates are in progress than {@code create.max-in-progress} allows: this one was refused, nothing stored. */
    public static final class TooManyCreatesException extends RuntimeException {
        TooManyCreatesException(int max) {
            super("too many users are being created at once (" + max + " in progress): nothing was stored, ask again"
                    + " shortly", null, false, false);
        }
    }
}
