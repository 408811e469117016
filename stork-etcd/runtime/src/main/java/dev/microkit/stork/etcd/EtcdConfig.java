package dev.microkit.stork.etcd;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * etcd: how to reach it, and the defaults of every Stork discovery and registrar of type {@code etcd}. Each setting is
 * also an environment variable, e.g. {@code QUARKUS_ETCD_ENDPOINTS}. The names of earlier releases ({@code etcd.*},
 * {@code ETCD_*}) still work, with one deprecation warning each ({@link DeprecatedConfigNames}).
 */
@ConfigMapping(prefix = "quarkus.etcd")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface EtcdConfig {

    /**
     * The etcd client URLs, comma-separated: all {@code http://} or all {@code https://}. In dev and test mode, when
     * this is not set, Dev Services start an etcd and set it.
     */
    @WithDefault("http://localhost:2379")
    List<URI> endpoints();

    /** Deadline of each etcd request (jetcd sets none of its own). */
    @WithDefault("2s")
    Duration requestTimeout();

    /** How long to wait for a connection to an etcd endpoint. */
    @WithDefault("2s")
    Duration connectTimeout();

    /** User of etcd's role-based access control; needs the password. Unset: no authentication. */
    Optional<String> username();

    /** Password of the etcd user. Never logged. */
    Optional<String> password();

    /** TLS to etcd; used when the endpoints are {@code https://}. */
    Tls tls();

    /**
     * Key prefix under which services register and are found: an instance of service {@code s} is the key
     * {@code <prefix>s/<host>:<port>}. A Stork service's {@code prefix} attribute overrides it.
     */
    @WithDefault("/services/")
    String prefix();

    /** Registration of instances by the Stork service registrar {@code etcd}; a registrar's attributes override. */
    Registration registration();

    /** TLS to etcd. */
    interface Tls {

        /** PEM file of the CA certificate(s) that signed etcd's server certificates. Unset: the JVM's trust store. */
        Optional<Path> caFile();

        /** PEM client certificate, for etcd started with {@code --client-cert-auth}; needs the key file. */
        Optional<Path> certFile();

        /** The client certificate's private key: unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
        Optional<Path> keyFile();
    }

    /** Registration of instances by the Stork service registrar {@code etcd}. */
    interface Registration {

        /**
         * Lease time to live: how long a crashed instance stays listed. Whole seconds, at least 2s (etcd leases count
         * seconds, and a shorter one expires between two keep-alives).
         */
        @WithDefault("10s")
        Duration ttl();

        /** Deadline of revoking the lease when an instance deregisters. */
        @WithDefault("2s")
        Duration deregisterTimeout();

        /** First pause between registration attempts while etcd cannot be reached. */
        @WithDefault("200ms")
        Duration retryInitialBackoff();

        /** Longest pause between registration attempts. */
        @WithDefault("5s")
        Duration retryMaxBackoff();
    }
}
