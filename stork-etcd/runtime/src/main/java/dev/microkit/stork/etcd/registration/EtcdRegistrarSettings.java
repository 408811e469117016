package dev.microkit.stork.etcd.registration;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What a registrar needs, read and checked once from its Stork attributes ({@link EtcdServiceRegistrarProvider}).
 *
 * @param endpoints      the etcd it registers in (for log lines)
 * @param prefix         key prefix, e.g. {@code /services/}
 * @param ttl            lease TTL: how long a crashed instance stays listed
 * @param requestTimeout deadline of each etcd request
 * @param deregisterTimeout deadline of revoking the lease
 * @param retryInitialBackoff first pause between registration attempts
 * @param retryMaxBackoff longest pause between registration attempts (at least the first)
 */
record EtcdRegistrarSettings(List<URI> endpoints, String prefix, Duration ttl, Duration requestTimeout,
        Duration deregisterTimeout, Duration retryInitialBackoff, Duration retryMaxBackoff) {

    EtcdRegistrarSettings {
        if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
            retryMaxBackoff = retryInitialBackoff;
        }
    }
}
