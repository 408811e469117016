package dev.microkit.users.notify;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.stork.api.ServiceInstance;

/**
 * users' gRPC client metrics: {@code notificator_client_calls_seconds_{count,sum,max}{instance="host:port",
 * outcome="ok|failed"}} (SendEmail attempts and their time, per instance) and {@code notificator_client_retries_total}.
 * The timers of an instance are looked up once and kept by instance id, so a call costs a map read and a record;
 * they are removed with the instance, so that churning addresses (pods) do not pile up series.
 * <p>
 * This stands in for Quarkus' Micrometer gRPC client interceptor ({@code grpc_client_*}), which looks its meters up
 * by tags at every call, a cost the benchmark's P1b showed in the client path (deploy/README.md).
 */
@ApplicationScoped
class NotificatorCallMetrics {

    private record InstanceTimers(Timer ok, Timer failed) {
    }

    private final MeterRegistry meters;
    private final Counter retries;
    private final Map<Long, InstanceTimers> byInstance = new ConcurrentHashMap<>();

    @Inject
    NotificatorCallMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.retries = Counter.builder("notificator.client.retries")
                .description("SendEmail attempts made again on another instance after UNAVAILABLE").register(meters);
    }

    void ended(ServiceInstance instance, boolean ok, long nanos) {
        InstanceTimers timers = byInstance.get(instance.getId());
        if (timers == null) {
            timers = byInstance.computeIfAbsent(instance.getId(), id -> {
                String address = instance.getHost() + ":" + instance.getPort();
                return new InstanceTimers(calls(address, "ok"), calls(address, "failed"));
            });
        }
        (ok ? timers.ok() : timers.failed()).record(nanos, TimeUnit.NANOSECONDS);
    }

    void retried() {
        retries.increment();
    }

    /** Drops the counters of every instance not in {@code listed}. */
    void retainOnly(Collection<ServiceInstance> listed) {
        Set<Long> ids = listed.stream().map(ServiceInstance::getId).collect(Collectors.toSet());
        byInstance.entrySet().removeIf(entry -> {
            if (ids.contains(entry.getKey())) {
                return false;
            }
            meters.remove(entry.getValue().ok());
            meters.remove(entry.getValue().failed());
            return true;
        });
    }

    private Timer calls(String address, String outcome) {
        return Timer.builder("notificator.client.calls").tag("instance", address).tag("outcome", outcome)
                .description("SendEmail attempts per notificator instance, and their time").register(meters);
    }
}
