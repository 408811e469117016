package dev.microkit.notificator.registration;

import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;

/**
 * What only this instance knows about itself: the address clients should dial and its id. How it registers (prefix,
 * lease TTL, retries) is the stork-etcd extension's, {@code quarkus.etcd.prefix} and
 * {@code quarkus.etcd.registration.*}. Every setting is also an environment variable, e.g.
 * {@code REGISTRATION_ADVERTISED_HOST}.
 */
@ConfigMapping(prefix = "registration")
public interface RegistrationConfig {

    /** The host clients should dial; by default the first non-loopback IPv4 address of this machine. */
    Optional<String> advertisedHost();

    /** The port clients should dial; by default the port the server is bound to. */
    OptionalInt advertisedPort();

    /** This instance's id, published in the registration's metadata; random when not set. */
    Optional<String> instanceId();
}
