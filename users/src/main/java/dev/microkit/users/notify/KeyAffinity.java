package dev.microkit.users.notify;

import java.util.List;

import io.smallrye.stork.api.ServiceInstance;

/**
 * Sends the calls of one idempotency key to one instance: the listed instance with the highest score for the key
 * (rendezvous hashing). Every users replica picks the same instance for the same key while it is listed, so a welcome
 * email sent again (from the outbox, by another replica, after a lost record) reaches the notificator that remembers
 * the key and is not sent twice. When an instance goes, only its keys move, each to its next-highest; random keys
 * (user ids) spread evenly. Instances are told apart by address, which every replica sees alike (Stork's ids are
 * each replica's own).
 */
final class KeyAffinity {

    private KeyAffinity() {
    }

    /** The instance among {@code candidates} (not empty) that owns {@code key}. */
    static ServiceInstance owner(String key, List<ServiceInstance> candidates) {
        long keyHash = mix(key.hashCode());
        ServiceInstance best = null;
        long bestScore = 0;
        for (ServiceInstance instance : candidates) {
            long score = mix(keyHash ^ (31L * instance.getHost().hashCode() + instance.getPort()));
            if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
                best = instance;
                bestScore = score;
            }
        }
        return best;
    }

    /** SplitMix64's finalizer: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
