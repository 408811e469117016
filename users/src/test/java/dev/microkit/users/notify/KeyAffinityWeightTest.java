package dev.microkit.users.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.stork.api.Metadata;
import io.smallrye.stork.api.ServiceInstance;
import io.smallrye.stork.impl.DefaultServiceInstance;

/**
 * Weighted rendezvous hashing over 40,000 keys shaped like the outbox's (user ids): shares follow the weights, and an
 * instance going moves its own keys only.
 */
class KeyAffinityWeightTest {

    private static final int KEYS = 40_000;

    private static ServiceInstance instance(int n, String weight) {
        Map<String, String> labels = weight == null ? Map.of() : Map.of("weight", weight);
        return new DefaultServiceInstance(n, "10.0.0." + n, 8082, false, labels, Metadata.empty());
    }

    private static Map<ServiceInstance, Integer> owners(List<ServiceInstance> instances) {
        Map<ServiceInstance, Integer> owned = new HashMap<>();
        for (int key = 0; key < KEYS; key++) {
            owned.merge(KeyAffinity.owner("welcome-" + key + "-user", instances), 1, Integer::sum);
        }
        return owned;
    }

    private static double share(Map<ServiceInstance, Integer> owned, ServiceInstance instance) {
        return owned.getOrDefault(instance, 0) / (double) KEYS;
    }

    @Test
    void equalWeightsSpreadEvenly() {
        List<ServiceInstance> four = List.of(instance(1, null), instance(2, "1"), instance(3, null), instance(4, null));
        Map<ServiceInstance, Integer> owned = owners(four);
        for (ServiceInstance instance : four) {
            assertEquals(0.25, share(owned, instance), 0.015, instance.getHost() + ": " + owned);
        }
    }

    @Test
    void aCanaryAtOneNextToOneAtNineGetsATenth() {
        ServiceInstance canary = instance(1, "1");
        ServiceInstance stable = instance(2, "9");
        double canaryShare = share(owners(List.of(canary, stable)), canary);
        System.out.printf("[weights] canary 1 vs 9: %.2f%% of %d keys%n", canaryShare * 100, KEYS);
        assertEquals(0.10, canaryShare, 0.01);
    }

    @Test
    void aCanaryAtOneAmongThreeAtNineGetsOneTwentyEighth() {
        ServiceInstance canary = instance(1, "1");
        List<ServiceInstance> all = List.of(canary, instance(2, "9"), instance(3, "9"), instance(4, "9"));
        Map<ServiceInstance, Integer> owned = owners(all);
        System.out.printf("[weights] canary 1 among 3 x 9: %.2f%% of %d keys%n", share(owned, canary) * 100, KEYS);
        assertEquals(1 / 28.0, share(owned, canary), 0.006);
        for (ServiceInstance stable : all.subList(1, 4)) {
            assertEquals(9 / 28.0, share(owned, stable), 0.015);
        }
    }

    @Test
    void anInstanceGoingMovesOnlyItsOwnKeys() {
        List<ServiceInstance> all = List.of(instance(1, "1"), instance(2, "9"), instance(3, "3"), instance(4, null));
        List<ServiceInstance> withoutThird = new ArrayList<>(all);
        withoutThird.remove(2);
        int moved = 0;
        for (int key = 0; key < KEYS; key++) {
            ServiceInstance before = KeyAffinity.owner("k" + key, all);
            ServiceInstance after = KeyAffinity.owner("k" + key, withoutThird);
            if (before != all.get(2)) {
                assertEquals(before, after, "key k" + key + " moved though its owner stayed");
            } else {
                moved++;
            }
        }
        assertEquals(3 / 14.0, moved / (double) KEYS, 0.015);
    }

    @Test
    void aWeightThatIsNotAPositiveWholeNumberCountsAsOne() {
        for (String weight : List.of("0", "-3", "x", "1.5", "")) {
            assertEquals(1, KeyAffinity.weight(instance(1, weight)), weight);
        }
        assertEquals(7, KeyAffinity.weight(instance(1, " 7 ")));
        assertTrue(KeyAffinity.weight(instance(1, null)) == 1);
    }
}
