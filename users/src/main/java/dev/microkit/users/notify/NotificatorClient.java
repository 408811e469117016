package dev.microkit.users.notify;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.net.ssl.SSLException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.microkit.proto.MutinyNotificatorGrpc;
import dev.microkit.proto.SendEmailReply;
import dev.microkit.proto.SendEmailRequest;
import dev.microkit.stork.etcd.CallerContext;
import dev.microkit.stork.etcd.Causes;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.NoServiceInstanceFoundException;
import io.smallrye.stork.api.Service;
import io.smallrye.stork.api.ServiceInstance;
import io.vertx.core.Vertx;

/**
 * Calls notificator's SendEmail, per call on the instance that owns its idempotency key ({@link KeyAffinity}) or that
 * Stork's load balancer selects ({@code notificator.affinity}), over {@link NotificatorChannels}.
 * <p>
 * Why not the Quarkus gRPC client with Stork (measured on Quarkus 3.33.2): the classic client wedges for ever when
 * its first lookup finds no instance and never uses instances added while the old ones are healthy (fixed upstream
 * only in 3.37.4, quarkusio/quarkus#54425; old subchannels are never shut down, #54869); the Vert.x-based client
 * recovers but ran at half the throughput; neither retries a call on another instance. Selecting per call costs
 * next to nothing when the discovery answers from memory, and gives all of it: new instances are used at the next
 * call, vanished ones are never selected again, and a call that fails with UNAVAILABLE is retried on another
 * instance within one overall deadline. An instance that failed so is avoided for a moment by every call, since a
 * crashed instance stays listed until its lease expires.
 */
@ApplicationScoped
public class NotificatorClient {

    private static final Logger LOG = Logger.getLogger(NotificatorClient.class);

    private final NotificatorConfig config;
    private final NotificatorChannels channels;
    private final NotificatorCallMetrics metrics;
    private final Vertx vertx;
    /** Instances avoided after failing with UNAVAILABLE. */
    private final Ejections ejections;
    /** Where the keys not settled yet went. */
    private final KeyRoutes routes = new KeyRoutes();
    private volatile Service service;
    private volatile long sweeper = -1;

    @Inject
    NotificatorClient(NotificatorConfig config, NotificatorChannels channels, NotificatorCallMetrics metrics,
            Vertx vertx) {
        this.config = config;
        this.channels = channels;
        this.metrics = metrics;
        this.vertx = vertx;
        this.ejections = new Ejections(config.avoidFailedFor(), config.avoidFailedForMax(), config.avoidAtMost());
    }

    /** One SendEmail: its attempts run one after the other, never concurrently. */
    private static final class Call {
        final SendEmailRequest request;
        final Deadline deadline;
        /** The trace every attempt belongs to, whichever thread makes it. */
        final Context trace;
        /** Runs on the caller's Vert.x context, where the call's callbacks and retries run; null without one. */
        final Executor caller;
        int attempts;
        /** Ids of the instances this call failed on; allocated on the first failure only. */
        Set<Long> failed = Set.of();
        /** Why the last attempt failed: the cause to report when no instance is left to try. */
        Throwable lastFailure;

        Call(SendEmailRequest request, Deadline deadline, Context trace, Executor caller) {
            this.request = request;
            this.deadline = deadline;
            this.trace = trace;
            this.caller = caller;
        }

        void failedOn(long instanceId, Throwable failure) {
            lastFailure = failure;
            if (failed.isEmpty()) {
                failed = new HashSet<>();
            }
            failed.add(instanceId);
        }
    }

    /** {@link #sendEmail(String, String, String, Context)} in the current trace. */
    public Uni<String> sendEmail(String email, String content, String idempotencyKey) {
        return sendEmail(email, content, idempotencyKey, Context.current());
    }

    /**
     * Every attempt is made in {@code trace}, and answered on the Vert.x context that subscribed: gRPC's callbacks
     * (which would otherwise run on a bare event loop thread) and the pauses between attempts run there. Why: on a
     * thread without a Vert.x context, Quarkus 3.33's OpenTelemetry context propagation leaves the context of the
     * request whose callback ran there attached to the thread (quarkusio/quarkus#54354; the provider was reworked
     * upstream after 3.33, #55838 and #56805), and every HTTP request that this event loop accepts next takes that
     * request's server span for its parent, which suppresses its own span.
     *
     * @param idempotencyKey the same for every attempt at the same email, so that notificator sends it once
     * @param trace the trace of every attempt; {@link Context#root()} starts one of its own
     * @return the id notificator gave the email
     */
    public Uni<String> sendEmail(String email, String content, String idempotencyKey, Context trace) {
        Duration timeout = config.deadline();
        SendEmailRequest request = SendEmailRequest.newBuilder().setEmail(email).setContent(content)
                .setIdempotencyKey(idempotencyKey).build();
        return Uni.createFrom().deferred(() -> attempt(new Call(request,
                Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS), trace, CallerContext.current())))
                .onFailure().transform(failure -> translate(failure, timeout));
    }

    /** The retry is written out, not Mutiny's retry operator: calls that succeed should pay for nothing else. */
    private Uni<String> attempt(Call call) {
        if (call.deadline.isExpired()) {
            return Uni.createFrom().failure(Status.DEADLINE_EXCEEDED.asRuntimeException());
        }
        call.attempts++;
        Service notificators = service();
        String key = call.request.getIdempotencyKey();
        Uni<ServiceInstance> selected;
        if (config.affinity() == NotificatorConfig.Affinity.IDEMPOTENCY_KEY && !key.isEmpty()) {
            selected = notificators.getInstances().map(instances -> {
                // the instance that may have sent it before comes first, in any zone, listed or not (KeyRoutes)
                List<ServiceInstance> worthTrying = worthTrying(instances, call);
                ServiceInstance previous = routes.previous(key, worthTrying, instances, call.failed,
                        System.nanoTime());
                if (previous != null) {
                    return notificators.selectInstanceAndRecordStart(List.of(previous), true);
                }
                List<ServiceInstance> candidates = inOwnZone(worthTrying);
                return notificators.selectInstanceAndRecordStart(
                        candidates.isEmpty() ? candidates : List.of(KeyAffinity.owner(key, candidates)), true);
            });
        } else if (call.failed.isEmpty() && ejections.none() && config.zone().isEmpty()) {
            selected = notificators.selectInstanceAndRecordStart(true); // Stork's own path
        } else {
            selected = notificators.getInstances()
                    .map(instances -> notificators.selectInstanceAndRecordStart(candidates(instances, call), true));
        }
        return selected
                .onFailure(failure -> !(failure instanceof NoServiceInstanceFoundException)
                        && !(failure instanceof StatusRuntimeException)
                        && !(failure instanceof NotificatorUnavailableException))
                .transform(failure -> new NotificatorUnavailableException(
                        "cannot look up notificator instances: " + failure.getMessage(), failure))
                .chain(instance -> send(instance, call))
                .onFailure(failure -> isRetryable(failure) && call.attempts < config.maxAttempts())
                .recoverWithUni(() -> notificators.getInstances().chain(instances -> {
                    if (untried(instances, call).isEmpty()) {
                        return Uni.createFrom().failure(exhausted(call)); // nothing new to try: no retry
                    }
                    metrics.retried();
                    Uni<Void> pause = Uni.createFrom().voidItem().onItem().delayIt().by(backoff(call.attempts));
                    return (call.caller == null ? pause : pause.emitOn(call.caller)).chain(() -> attempt(call));
                }));
    }

    private static List<ServiceInstance> untried(List<ServiceInstance> instances, Call call) {
        return instances.stream().filter(instance -> !call.failed.contains(instance.getId())).toList();
    }

    /** Final: every listed instance failed this call; retrying would only try them again. */
    private static NotificatorUnavailableException exhausted(Call call) {
        return new NotificatorUnavailableException("no notificator instance could be reached: every listed instance"
                + " failed (last: " + Status.fromThrowable(call.lastFailure).getDescription() + ")", call.lastFailure);
    }

    private Duration backoff(int attemptsMade) {
        return config.retryBackoff().multipliedBy(1L << Math.min(attemptsMade - 1, 3));
    }

    /** Those {@link #worthTrying worth trying} in this replica's zone, for Stork's load balancer to choose from. */
    private List<ServiceInstance> candidates(List<ServiceInstance> instances, Call call) {
        return inOwnZone(worthTrying(instances, call));
    }

    /**
     * Not those this call failed on, nor, while others remain, those avoided after failing ({@link Ejections}: a
     * crashed instance stays listed until its lease expires).
     */
    private List<ServiceInstance> worthTrying(List<ServiceInstance> instances, Call call) {
        Set<Long> failed = call.failed;
        List<ServiceInstance> untried = new ArrayList<>(instances.size());
        for (ServiceInstance instance : instances) {
            if (!failed.contains(instance.getId())) {
                untried.add(instance);
            }
        }
        if (untried.isEmpty() && !instances.isEmpty()) {
            throw exhausted(call); // the list changed since the retry was decided
        }
        return ejections.admitted(untried, instances.size(), System.nanoTime());
    }

    /** Those in this replica's zone, or all when none is (or no zone is set). */
    private List<ServiceInstance> inOwnZone(List<ServiceInstance> worthTrying) {
        if (config.zone().isEmpty()) {
            return worthTrying;
        }
        String zone = config.zone().get();
        List<ServiceInstance> near = worthTrying.stream()
                .filter(instance -> instance.getLabels() != null && zone.equals(instance.getLabels().get("zone")))
                .toList();
        return near.isEmpty() ? worthTrying : near;
    }

    private Uni<String> send(ServiceInstance instance, Call call) {
        long started = System.nanoTime();
        MutinyNotificatorGrpc.MutinyNotificatorStub stub = MutinyNotificatorGrpc
                .newMutinyStub(channels.forInstance(instance)).withDeadline(call.deadline)
                .withOption(CallTracing.TRACE, call.trace);
        return (call.caller == null ? stub : stub.withExecutor(call.caller)).sendEmail(call.request)
                .onItemOrFailure().invoke((reply, failure) -> {
                    if (failure == null) {
                        instance.recordReply();
                        ejections.answered(instance.getId());
                    }
                    String key = call.request.getIdempotencyKey();
                    if (config.affinity() == NotificatorConfig.Affinity.IDEMPOTENCY_KEY && !key.isEmpty()
                            && (failure == null || mayHaveSent(failure))) {
                        routes.went(key, instance, started);
                    }
                    instance.recordEnd(failure);
                    metrics.ended(instance, failure == null, System.nanoTime() - started);
                    if (failure != null) {
                        LOG.debugf("SendEmail on %s:%d failed: %s", instance.getHost(), instance.getPort(), failure);
                        if (isRetryable(failure)) {
                            call.failedOn(instance.getId(), failure);
                            ejections.failed(instance.getId(), System.nanoTime());
                        }
                    }
                })
                .map(SendEmailReply::getId);
    }

    /** {@code key}'s email is recorded as sent: a resend of it will not come (see {@link KeyRoutes}). */
    public void settled(String idempotencyKey) {
        routes.settled(idempotencyKey);
    }

    /** Failed after the request may have reached the instance: it may have sent the email. */
    private static boolean mayHaveSent(Throwable failure) {
        Status.Code code = Status.fromThrowable(failure).getCode();
        return code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.CANCELLED || code == Status.Code.UNKNOWN;
    }

    /**
     * UNAVAILABLE, and the connection closing under a call: grpc-java says UNKNOWN "channel closed" when it could not
     * write to a connection that closed (a notificator killed with calls in flight; seen in DynamicRoutingIT, 2 of
     * 2946 calls). Either way the instance is gone, and the idempotency key makes trying another one safe.
     */
    private static boolean isRetryable(Throwable failure) {
        if (failure instanceof NotificatorUnavailableException) {
            return false;
        }
        Status status = Status.fromThrowable(failure);
        return status.getCode() == Status.Code.UNAVAILABLE
                || status.getCode() == Status.Code.UNKNOWN && status.getCause() instanceof ClosedChannelException;
    }

    private static RuntimeException translate(Throwable failure, Duration timeout) {
        // first: a TLS failure says what to fix, also when it ended a call that failed on every instance
        Optional<Throwable> tls = Causes.of(failure).filter(SSLException.class::isInstance).findFirst();
        if (tls.isPresent()) {
            return new NotificatorUnavailableException("TLS to notificator failed (" + tls.get().getMessage()
                    + "): check notificator.tls.ca-file and notificator.tls.server-name", failure);
        }
        if (failure instanceof NotificatorUnavailableException unavailable) {
            return unavailable;
        }
        if (failure instanceof NoServiceInstanceFoundException) {
            return new NotificatorUnavailableException("no notificator instance is registered", failure);
        }
        Status status = Status.fromThrowable(failure);
        return switch (status.getCode()) {
            case UNAVAILABLE -> new NotificatorUnavailableException(
                    "no notificator instance could be reached: " + status.getDescription(), failure);
            case DEADLINE_EXCEEDED -> new NotificatorUnavailableException(
                    "notificator did not answer within " + timeout.toMillis() + " ms", failure);
            case UNKNOWN -> new NotificatorRejectedException("calling notificator failed: " + failure, failure);
            default -> new NotificatorRejectedException(
                    "notificator answered " + status.getCode() + ": " + status.getDescription(), failure);
        };
    }

    /**
     * The sweep of vanished instances' channels starts at startup, on the main thread: a timer set while serving a
     * request would run on that request's Vert.x context for ever, and whatever its callbacks complete (Stork
     * lookups) would go on with that old request's trace.
     */
    void startSweeper(@Observes StartupEvent event) {
        long period = Math.max(10, config.channelSweepPeriod().toMillis());
        sweeper = vertx.setPeriodic(period, tick -> sweep());
    }

    /** Stork is set up at startup; the service is looked up on first use. */
    private Service service() {
        Service current = service;
        if (current == null) {
            synchronized (this) {
                if (service == null) {
                    service = Stork.getInstance().getService(config.serviceName());
                }
                current = service;
            }
        }
        return current;
    }

    private void sweep() {
        if (service == null) {
            return; // nothing called yet
        }
        service.getInstances().subscribe().with(listed -> {
            channels.retainOnly(listed);
            metrics.retainOnly(listed);
            ejections.retainOnly(listed.stream().map(ServiceInstance::getId).collect(Collectors.toSet()),
                    System.nanoTime());
        },
                failure -> LOG.debugf("Cannot list notificator instances to close stale channels: %s", failure));
    }

    @PreDestroy
    void stop() {
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
    }
}
