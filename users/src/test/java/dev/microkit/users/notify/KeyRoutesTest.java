package dev.microkit.users.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.smallrye.stork.api.ServiceInstance;
import io.smallrye.stork.impl.DefaultServiceInstance;

class KeyRoutesTest {

    private static final ServiceInstance A = new DefaultServiceInstance(1, "10.0.0.1", 8082, false);
    private static final ServiceInstance B = new DefaultServiceInstance(2, "10.0.0.2", 8082, false);
    /** A as another replica's discovery (or a later listing) sees it: another id, the same address. */
    private static final ServiceInstance A_AGAIN = new DefaultServiceInstance(7, "10.0.0.1", 8082, false);

    private final KeyRoutes routes = new KeyRoutes();

    private ServiceInstance previous(String key, List<ServiceInstance> candidates, List<ServiceInstance> listed) {
        return routes.previous(key, candidates, listed, Set.of(), 0);
    }

    @Test
    void aKeyGoesWhereItWentWhileThatInstanceIsACandidate() {
        routes.went("k", A, 0);

        assertSame(A_AGAIN, previous("k", List.of(B, A_AGAIN), List.of(B, A_AGAIN)));
        assertNull(previous("k", List.of(B), List.of(A, B)), "listed, not a candidate (failed, avoided): the owner");
        assertNull(previous("other", List.of(A, B), List.of(A, B)));
    }

    @Test
    void aKeyGoesToItsInstanceNoLongerListedUntilTheCallFailsThereOrTheWindowEnds() {
        routes.went("k", A, 0);

        assertSame(A, previous("k", List.of(B), List.of(B)), "its lease lapsed: it may be alive and remember k");
        assertSame(A, previous("k", List.of(), List.of()), "none listed at all");
        assertNull(routes.previous("k", List.of(B), List.of(B), Set.of(A.getId()), 0), "this call failed on it");
        assertNull(routes.previous("k", List.of(B), List.of(B), Set.of(), Duration.ofMinutes(11).toNanos()),
                "it has forgotten the key by now");
    }

    @Test
    void theWindowCountsFromTheFirstSendToAnInstance() {
        routes.went("k", A, 0);
        routes.went("k", A, Duration.ofMinutes(9).toNanos()); // sent again (timed out there): A remembers from 0

        assertNull(routes.previous("k", List.of(B), List.of(B), Set.of(), Duration.ofMinutes(11).toNanos()));

        routes.went("k", B, Duration.ofMinutes(11).toNanos()); // then B took it: B remembers from now
        assertSame(B, routes.previous("k", List.of(A), List.of(A), Set.of(), Duration.ofMinutes(20).toNanos()));
    }

    @Test
    void aSettledKeyHasNoRoute() {
        routes.went("k", A, 0);
        routes.settled("k");

        assertNull(previous("k", List.of(A, B), List.of(A, B)));
        assertEquals(0, routes.size());
    }

    @Test
    void routesAreBoundedAndTheStaleGoFirst() {
        long start = 0;
        for (int key = 0; key < KeyRoutes.MAX_ROUTES; key++) {
            routes.went("old-" + key, A, start);
        }
        routes.went("refused", B, start + 1);
        assertNull(previous("refused", List.of(A, B), List.of(A, B)), "none kept beyond the limit while all are fresh");

        long later = start + Duration.ofMinutes(11).toNanos();
        routes.went("new", B, later);
        assertSame(B, previous("new", List.of(A, B), List.of(A, B)));
        assertEquals(1, routes.size(), "the routes older than the notificators' window went");
    }
}
