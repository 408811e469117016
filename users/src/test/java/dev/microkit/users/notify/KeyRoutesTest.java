package dev.microkit.users.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.smallrye.stork.api.ServiceInstance;
import io.smallrye.stork.impl.DefaultServiceInstance;

class KeyRoutesTest {

    private static final ServiceInstance A = new DefaultServiceInstance(1, "10.0.0.1", 8082, false);
    private static final ServiceInstance B = new DefaultServiceInstance(2, "10.0.0.2", 8082, false);
    /** A as another replica's discovery (or a later listing) sees it: another id, the same address. */
    private static final ServiceInstance A_AGAIN = new DefaultServiceInstance(7, "10.0.0.1", 8082, false);

    private final KeyRoutes routes = new KeyRoutes();

    @Test
    void aKeyGoesWhereItWentWhileThatInstanceIsACandidate() {
        routes.went("k", A, 0);

        assertSame(A_AGAIN, routes.previous("k", List.of(B, A_AGAIN)));
        assertNull(routes.previous("k", List.of(B)), "not a candidate (failed, avoided, gone): the owner decides");
        assertNull(routes.previous("other", List.of(A, B)));
    }

    @Test
    void aSettledKeyHasNoRoute() {
        routes.went("k", A, 0);
        routes.settled("k");

        assertNull(routes.previous("k", List.of(A, B)));
        assertEquals(0, routes.size());
    }

    @Test
    void routesAreBoundedAndTheStaleGoFirst() {
        long start = 0;
        for (int key = 0; key < KeyRoutes.MAX_ROUTES; key++) {
            routes.went("old-" + key, A, start);
        }
        routes.went("refused", B, start + 1);
        assertNull(routes.previous("refused", List.of(A, B)), "none kept beyond the limit while all are fresh");

        long later = start + Duration.ofMinutes(11).toNanos();
        routes.went("new", B, later);
        assertSame(B, routes.previous("new", List.of(A, B)));
        assertEquals(1, routes.size(), "the routes older than the notificators' window went");
    }
}
