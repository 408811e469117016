package dev.microkit.users.notify;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.smallrye.stork.api.ServiceInstance;

/**
 * Where each idempotency key whose send is not settled yet went: a key sent again goes to the instance that had it
 * before, even when {@link KeyAffinity} would now choose another (an instance that joined meanwhile takes over some
 * keys), and also while that instance is not listed: an instance whose lease expired while etcd was partitioned is
 * alive and remembers its keys, and registers again once etcd answers. Why: an email sent but not recorded (etcd
 * unusable after the send) is sent again later, and only the instance that sent it remembers its key. Measured in the
 * chaos suite: a notificator started during an etcd partition took over keys whose resends it then sent a second
 * time; and a notificator whose lease expired during the partition was passed over for resends of the keys it had
 * sent, which another one then sent again (2 runs in 5 before this, and in CI).
 * <p>
 * A route goes when its key is settled (its send recorded). A route to an instance no longer listed is followed only
 * until the call fails on it (a stopped or crashed instance refuses the connection at once: the call goes to the
 * key's owner) and only within the notificators' default idempotency window from the first send, after which the
 * instance has forgotten the key anyway: so an instance that hangs unlisted delays its keys' resends by at most
 * that window, never for ever. Routes older than the window go when the routes are many; at most {@link #MAX_ROUTES}.
 */
final class KeyRoutes {

    static final int MAX_ROUTES = 100_000;
    private static final long WORTH_KEEPING_NANOS = Duration.ofMinutes(10).toNanos();

    /** @param sentAt the first send: the notificator remembers a key from the first time it took it */
    private record Route(ServiceInstance instance, String address, long sentAt) {
    }

    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    /**
     * The instance {@code key} went to before, if it is worth trying: the one of {@code candidates} at its address;
     * when no instance of {@code listed} has that address, the instance itself, unless this call failed on it
     * ({@code failed}, by id) or the route is older than the window; else null.
     */
    ServiceInstance previous(String key, List<ServiceInstance> candidates, List<ServiceInstance> listed,
            Set<Long> failed, long now) {
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
        for (ServiceInstance instance : listed) {
            if (route.address.equals(address(instance))) {
                return null; // listed but no candidate: failed in this call, or avoided after failing
            }
        }
        return failed.contains(route.instance.getId()) || now - route.sentAt > WORTH_KEEPING_NANOS ? null
                : route.instance;
    }

    /** {@code key} was sent to {@code instance} (it may have sent it). */
    void went(String key, ServiceInstance instance, long now) {
        if (routes.size() >= MAX_ROUTES) {
            routes.values().removeIf(route -> now - route.sentAt > WORTH_KEEPING_NANOS);
            if (routes.size() >= MAX_ROUTES) {
                return;
            }
        }
        String address = address(instance);
        routes.compute(key, (k, before) -> before != null && before.address.equals(address) ? before
                : new Route(instance, address, now));
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
