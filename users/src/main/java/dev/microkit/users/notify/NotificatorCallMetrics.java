package dev.microkit.users.notify;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.stork.api.ServiceInstance;

/**
 * {@code notificator_client_calls_total{instance="host:port",outcome="ok|failed"}} and
 * {@code notificator_client_retries_total}. The counters of an instance are looked up once and kept by instance id,
 * so a call costs a map read; they are removed with the instance, so that churning addresses (pods) do not pile up
 * series.
 */
@ApplicationScoped
class NotificatorCallMetrics {

    private record InstanceCounters(Counter ok, Counter failed) {
    }

    private final MeterRegistry meters;
    private final Counter retries;
    private final Map<Long, InstanceCounters> byInstance = new ConcurrentHashMap<>();

    @Inject
    NotificatorCallMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.retries = Counter.builder("notificator.client.retries")
                .description("SendEmail attempts made again on another instance after UNAVAILABLE").register(meters);
    }

    void ended(ServiceInstance instance, boolean ok) {
        InstanceCounters counters = byInstance.get(instance.getId());
        if (counters == null) {
            counters = byInstance.computeIfAbsent(instance.getId(), id -> {
                String address = instance.getHost() + ":" + instance.getPort();
                return new InstanceCounters(calls(address, "ok"), calls(address, "failed"));
            });
        }
        (ok ? counters.ok() : counters.failed()).increment();
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

    private Counter calls(String address, String outcome) {
        return Counter.builder("notificator.client.calls").tag("instance", address).tag("outcome", outcome)
                .description("SendEmail attempts per notificator instance").register(meters);
    }
}
