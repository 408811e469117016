package dev.microkit.notificator.registration;

import java.util.Optional;
import java.util.OptionalInt;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

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

    /**
     * The zone it runs in, published as label {@code zone} (clients may prefer or select their own zone); none when
     * not set. In Kubernetes, the pod's {@code topology.kubernetes.io/zone} label (deploy/k8s).
     */
    Optional<@Pattern(regexp = LABEL_VALUE, message = LABEL_VALUE_MESSAGE) String> zone();

    /** The version published as label {@code version}; by default {@code quarkus.application.version}. */
    Optional<@Pattern(regexp = LABEL_VALUE, message = LABEL_VALUE_MESSAGE) String> version();

    /**
     * Its share of calls relative to other instances, published as label {@code weight} (a canary at 1 among
     * instances at 9 gets about a tenth); not published when not set, which clients read as 1.
     */
    @Min(1)
    OptionalInt weight();

    /** Letters, digits, '.', '_', '-': what a label selector can name, and a URL query string carries as it is. */
    String LABEL_VALUE = "[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?";
    String LABEL_VALUE_MESSAGE = "must be letters, digits, '.', '_' or '-' (as a label value), starting and ending "
            + "with a letter or digit";
}
