package dev.microkit.users.notify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.smallrye.stork.api.ServiceInstance;

/**
 * Instances avoided after failing (outlier ejection): for {@code avoid-failed-for} after a failure, twice as long
 * after each further failure in a row, up to {@code avoid-failed-for-max}; a call it answers ends that. A crashed
 * instance stays listed until its lease expires; tried again only now and then, it costs few calls a failed attempt.
 * Never more than {@code avoid-at-most} percent of the listed instances are avoided at once (those whose avoidance
 * ends first are tried again first), and never all of them: a fault on this side (its network, a full connection
 * table) makes every instance fail alike, and avoiding them all would leave nothing to call.
 */
final class Ejections {

    private record Ejection(int failuresInARow, long untilNanos) {
    }

    private final Duration first;
    private final Duration longest;
    private final int atMostPercent;
    private final Map<Long, Ejection> byInstance = new ConcurrentHashMap<>();

    Ejections(Duration first, Duration longest, int atMostPercent) {
        this.first = first;
        this.longest = longest.compareTo(first) < 0 ? first : longest;
        this.atMostPercent = atMostPercent;
    }

    /** True while no instance is avoided, or was lately: the common case, which needs no filtering. */
    boolean none() {
        return byInstance.isEmpty();
    }

    void failed(long instanceId, long nowNanos) {
        byInstance.compute(instanceId, (id, last) -> {
            int failures = last == null ? 1 : last.failuresInARow() + 1;
            Duration avoid = first.multipliedBy(1L << Math.min(failures - 1, 20));
            return new Ejection(failures, nowNanos + (avoid.compareTo(longest) > 0 ? longest : avoid).toNanos());
        });
    }

    void answered(long instanceId) {
        if (!byInstance.isEmpty()) {
            byInstance.remove(instanceId);
        }
    }

    /** How many failures in a row the instance is avoided for now; 0 when it is not. */
    int failuresInARow(long instanceId, long nowNanos) {
        Ejection ejection = byInstance.get(instanceId);
        return ejection == null || ejection.untilNanos() - nowNanos <= 0 ? 0 : ejection.failuresInARow();
    }

    /**
     * Those of {@code untried} worth trying now: not avoided, plus, while more than the allowed share of the
     * {@code listed} instances is avoided, those whose avoidance ends first (at least one, when all of
     * {@code untried} are avoided). Empty only when {@code untried} is.
     */
    List<ServiceInstance> admitted(List<ServiceInstance> untried, int listed, long nowNanos) {
        if (byInstance.isEmpty()) {
            return untried; // every call of a healthy system: nothing to sort out, nothing to copy
        }
        List<ServiceInstance> admitted = new ArrayList<>(untried.size());
        List<Map.Entry<Long, ServiceInstance>> avoided = new ArrayList<>(); // until when, instance
        for (ServiceInstance instance : untried) {
            Ejection ejection = byInstance.get(instance.getId());
            if (ejection == null || ejection.untilNanos() - nowNanos <= 0) {
                admitted.add(instance);
            } else {
                avoided.add(Map.entry(ejection.untilNanos(), instance));
            }
        }
        int allowed = Math.max(0, Math.min(listed * atMostPercent / 100, listed - 1));
        int readmit = avoided.size() - allowed;
        if (admitted.isEmpty() && !avoided.isEmpty()) {
            readmit = Math.max(readmit, 1); // this call tried the others: one to try is better than none
        }
        if (readmit > 0) {
            avoided.sort(Comparator.comparingLong(entry -> entry.getKey() - nowNanos));
            avoided.subList(0, readmit).forEach(entry -> admitted.add(entry.getValue()));
        }
        return admitted;
    }

    /**
     * Forgets instances no longer listed, and those whose avoidance ended longer ago than the longest: an instance
     * that fails again after a long quiet time starts over from the first pause.
     */
    void retainOnly(Set<Long> listedIds, long nowNanos) {
        byInstance.entrySet().removeIf(entry -> !listedIds.contains(entry.getKey())
                || nowNanos - entry.getValue().untilNanos() > longest.toNanos());
    }
}
