package dev.microkit.notificator.registration;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How this instance announces itself in etcd: key {@code <prefix><service-name>/<host>:<port>}, bound to a lease of
 * {@code ttl}. Every setting can be given as an environment variable, e.g. {@code REGISTRATION_ADVERTISED_HOST}.
 */
@ConfigMapping(prefix = "registration")
public interface RegistrationConfig {

    /** Key prefix shared by all services; go-kit's and the seed's layout. */
    @WithDefault("/services/")
    String prefix();

    /** The service name under the prefix. */
    @WithDefault("notificator")
    String serviceName();

    /** Lease time to live: how long a crashed instance stays listed. */
    @WithDefault("10s")
    @DurationMin(seconds = 2, message = "registration.ttl must be at least 2s")
    Duration ttl();

    /** The host clients should dial; by default the first non-loopback IPv4 address of this machine. */
    Optional<String> advertisedHost();

    /** The port clients should dial; by default the port the server is bound to. */
    OptionalInt advertisedPort();

    /** This instance's id, published in the registration's metadata; random when not set. */
    Optional<String> instanceId();

    /** The deadline for revoking the lease at shutdown. */
    @WithDefault("2s")
    Duration deregisterTimeout();

    /** First pause between registration attempts while etcd cannot be reached. */
    @WithDefault("200ms")
    Duration retryInitialBackoff();

    /** Longest pause between registration attempts. */
    @WithDefault("5s")
    Duration retryMaxBackoff();
}
