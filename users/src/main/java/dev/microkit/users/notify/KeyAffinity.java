package dev.microkit.users.notify;

import java.util.List;

import io.smallrye.stork.api.ServiceInstance;

/**
 * Sends the calls of one idempotency key to one instance: the listed instance with the highest score for the key
 * (weighted rendezvous hashing). Every users replica picks the same instance for the same key while it is listed, so
 * a welcome email sent again (from the outbox, by another replica, after a lost record) reaches the notificator that
 * remembers the key and is not sent twice. When an instance goes, only its keys move, each to its next-highest; random
 * keys (user ids) spread in proportion to the instances' {@code weight} labels (1 when absent or not a positive
 * whole number): a canary at 1 next to one instance at 9 owns about a tenth of them. Instances are told apart by
 * address, which every replica sees alike (Stork's ids are each replica's own).
 */
final class KeyAffinity {

    /** 2^-53: a 53-bit hash as a double in (0, 1). */
    private static final double UNIT = 0x1.0p-53;

    private KeyAffinity() {
    }

    /** The instance among {@code candidates} (not empty) that owns {@code key}. */
    static ServiceInstance owner(String key, List<ServiceInstance> candidates) {
        long keyHash = mix(key.hashCode());
        ServiceInstance best = null;
        double bestScore = 0;
        for (ServiceInstance instance : candidates) {
            long hash = mix(keyHash ^ (31L * instance.getHost().hashCode() + instance.getPort()));
            // -w / ln(u), u uniform in (0, 1): an instance wins a key with probability w / (sum of weights), and with
            // equal weights the order is that of the hashes, as in plain rendezvous hashing
            double uniform = ((hash >>> 11) + 0.5) * UNIT;
            double score = weight(instance) / -Math.log(uniform);
            if (best == null || score > bestScore) {
                best = instance;
                bestScore = score;
            }
        }
        return best;
    }

    /** The instance's {@code weight} label: a positive whole number, else 1. */
    static int weight(ServiceInstance instance) {
        String weight = instance.getLabels() == null ? null : instance.getLabels().get("weight");
        if (weight == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(weight.trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** SplitMix64's finalizer: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
