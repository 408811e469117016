package dev.microkit.users.notify;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.smallrye.stork.api.ServiceInstance;

/**
 * Where each idempotency key whose send is not settled yet went: a key sent again goes to the instance that had it
 * before, while that instance is worth trying, even when {@link KeyAffinity} would now choose another (an instance
 * that joined meanwhile takes over some keys). Why: an email sent but not recorded (etcd unusable after the send) is
 * sent again later, and only the instance that sent it remembers its key; measured in the chaos suite, a notificator
 * started during an etcd partition took over keys whose resends it then sent a second time.
 * <p>
 * A route goes when its key is settled (its send recorded); routes older than the notificator's default idempotency
 * window are worth nothing (it has forgotten the key) and go when the routes are many; at most {@link #MAX_ROUTES}.
 */
final class KeyRoutes {

    static final int MAX_ROUTES = 100_000;
    private static final long WORTH_KEEPING_NANOS = Duration.ofMinutes(10).toNanos();

    private record Route(String address, long sentAt) {
    }

    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    /** The instance among {@code candidates} that {@code key} went to before, or null. */
    ServiceInstance previous(String key, List<ServiceInstance> candidates) {
        if (routes.isEmpty()) {
            return null;
        }
        Route route = routes.get(key);
        if (route == null) {
            return null;
        }
        for (ServiceInstance instance : candidates) {
            if (route.address.equals(address(instance))) {
                return instance;
            }
        }
        return null;
    }

    /** {@code key} was sent to {@code instance} (it may have sent it). */
    void went(String key, ServiceInstance instance, long now) {
        if (routes.size() >= MAX_ROUTES) {
            routes.values().removeIf(route -> now - route.sentAt > WORTH_KEEPING_NANOS);
            if (routes.size() >= MAX_ROUTES) {
                return;
            }
        }
        routes.put(key, new Route(address(instance), now));
    }

    /** {@code key}'s send is recorded: no resend will come. */
    void settled(String key) {
        routes.remove(key);
    }

    int size() {
        return routes.size();
    }

    private static String address(ServiceInstance instance) {
        return instance.getHost() + ":" + instance.getPort();
    }
}
