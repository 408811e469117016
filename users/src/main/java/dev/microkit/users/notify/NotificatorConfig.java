package dev.microkit.users.notify;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How users calls notificator. Every setting can be given as an environment variable, e.g. NOTIFICATOR_DEADLINE. */
@ConfigMapping(prefix = "notificator")
public interface NotificatorConfig {

    /** The Stork service to call: {@code quarkus.stork.<name>.*} configures its discovery and load balancer. */
    @WithDefault("notificator")
    String serviceName();

    /** Deadline of one SendEmail, retries included. */
    @WithDefault("2s")
    Duration deadline();

    /**
     * How long connecting to an instance may take. Anyone who can write under the prefix can list an address that
     * never answers; a call that meets it fails over to another instance after this, well within the deadline.
     */
    @WithDefault("500ms")
    Duration connectTimeout();

    /** Attempts per SendEmail: a call that fails with UNAVAILABLE is retried on the next instance. */
    @WithDefault("3")
    @Min(1)
    int maxAttempts();

    /** Pause before the first retry; it doubles with each retry. */
    @WithDefault("20ms")
    Duration retryBackoff();

    /**
     * Which instance a call goes to. {@code idempotency-key}: the one that owns the call's idempotency key among the
     * instances worth trying (rendezvous hashing, the same in every replica), so that an email sent again reaches the
     * notificator that remembers its key and is not sent twice. {@code none}: Stork's load balancer picks per call
     * ({@code quarkus.stork.<service>.load-balancer.type}).
     */
    @WithDefault("idempotency-key")
    Affinity affinity();

    enum Affinity {
        IDEMPOTENCY_KEY,
        NONE
    }

    /**
     * The zone this replica runs in: notificators whose {@code zone} label is the same are called, others only while
     * none of them is worth trying (all failed recently, or none listed), and no longer once one is again. Unset: no
     * preference. In Kubernetes, the pod's {@code topology.kubernetes.io/zone} label (deploy/k8s).
     */
    Optional<String> zone();

    /**
     * How long an instance that failed with UNAVAILABLE is avoided while others are listed; twice as long after each
     * further failure in a row, up to {@link #avoidFailedForMax()}.
     */
    @WithDefault("2s")
    Duration avoidFailedFor();

    /** The longest an instance that keeps failing is avoided. */
    @WithDefault("30s")
    Duration avoidFailedForMax();

    /**
     * At most this percentage of the listed instances is avoided at once, and never all: when more fail, those whose
     * avoidance ends first are tried again (a fault on this side makes every instance fail alike).
     */
    @WithDefault("50")
    @Min(0)
    @Max(100)
    int avoidAtMost();

    /** How often channels to instances no longer listed are closed. */
    @WithDefault("1s")
    Duration channelSweepPeriod();

    /** TLS to instances registered as secure ({@code secure=true}); others are called in plain text. */
    Tls tls();

    interface Tls {

        /** PEM file of the CA certificate(s) that signed notificators' certificates. Unset: the JVM's trust store. */
        Optional<Path> caFile();

        /**
         * The name notificators' certificates are checked against, instead of each instance's registered address:
         * one certificate for every instance, e.g. {@code notificator.default.svc}.
         */
        Optional<String> serverName();
    }
}
