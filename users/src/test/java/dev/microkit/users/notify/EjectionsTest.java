package dev.microkit.users.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.smallrye.stork.api.Metadata;
import io.smallrye.stork.api.ServiceInstance;
import io.smallrye.stork.impl.DefaultServiceInstance;

/** Outlier ejection's rules, on a clock the test moves. */
class EjectionsTest {

    private static final long S = Duration.ofSeconds(1).toNanos();

    private static ServiceInstance instance(long id) {
        return new DefaultServiceInstance(id, "10.0.0." + id, 8082, false, Map.of(), Metadata.empty());
    }

    private static final List<ServiceInstance> FOUR = List.of(instance(1), instance(2), instance(3), instance(4));

    private static List<Long> ids(List<ServiceInstance> instances) {
        return instances.stream().map(ServiceInstance::getId).toList();
    }

    @Test
    void eachFailureInARowDoublesThePauseUpToTheLongestAndAnAnswerEndsIt() {
        Ejections ejections = new Ejections(Duration.ofSeconds(2), Duration.ofSeconds(10), 100);
        long now = 0;
        long[] expectedPauses = { 2, 4, 8, 10, 10 };
        for (int failure = 1; failure <= 5; failure++) {
            ejections.failed(1, now);
            assertEquals(failure, ejections.failuresInARow(1, now));
            long pause = expectedPauses[failure - 1] * S;
            assertEquals(List.of(2L, 3L, 4L), ids(ejections.admitted(FOUR, 4, now + pause - 1)), "failure " + failure);
            assertEquals(List.of(1L, 2L, 3L, 4L), ids(ejections.admitted(FOUR, 4, now + pause)));
            now += pause; // tried again when the pause ended, and failed again
        }
        ejections.answered(1);
        ejections.failed(1, now);
        assertEquals(1, ejections.failuresInARow(1, now), "an answer starts the count over");
    }

    @Test
    void neverAvoidsMoreThanTheAllowedShareTheOnesEndingFirstComeBackFirst() {
        Ejections ejections = new Ejections(Duration.ofSeconds(2), Duration.ofSeconds(30), 50);
        ejections.failed(1, 0);
        ejections.failed(2, S / 2); // ends half a second later than 1's
        ejections.failed(3, S);

        assertEquals(List.of(4L, 1L), ids(ejections.admitted(FOUR, 4, S)), "2 of 4 avoided at most: 1 is back");
    }

    @Test
    void neverAvoidsAllEvenAtAHundredPercent() {
        Ejections ejections = new Ejections(Duration.ofSeconds(2), Duration.ofSeconds(30), 100);
        List<ServiceInstance> two = FOUR.subList(0, 2);
        ejections.failed(1, 0);
        ejections.failed(2, S);

        assertEquals(List.of(1L), ids(ejections.admitted(two, 2, S)), "one of two avoided at most");
        assertEquals(List.of(2L), ids(ejections.admitted(two.subList(1, 2), 2, S)),
                "the only one this call has not tried, avoided or not");
    }

    @Test
    void atZeroPercentAvoidsNone() {
        Ejections ejections = new Ejections(Duration.ofSeconds(2), Duration.ofSeconds(30), 0);
        ejections.failed(1, 0);

        assertEquals(List.of(2L, 3L, 4L, 1L), ids(ejections.admitted(FOUR, 4, 0)));
    }

    @Test
    void forgetsInstancesNoLongerListedAndPausesLongOver() {
        Ejections ejections = new Ejections(Duration.ofSeconds(2), Duration.ofSeconds(10), 100);
        ejections.failed(1, 0);
        ejections.failed(2, 0);
        ejections.failed(2, 0);

        ejections.retainOnly(Set.of(2L, 3L), S);
        assertEquals(0, ejections.failuresInARow(1, S), "no longer listed");
        assertEquals(2, ejections.failuresInARow(2, S));
        ejections.retainOnly(Set.of(2L, 3L), 4 * S + 10 * S + 1); // its 4 s pause ended more than 10 s ago
        ejections.failed(2, 15 * S);
        assertEquals(1, ejections.failuresInARow(2, 15 * S), "starts over after a long quiet time");
    }
}
