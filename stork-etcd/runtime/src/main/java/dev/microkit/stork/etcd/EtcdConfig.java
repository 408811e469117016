package dev.microkit.stork.etcd;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * How to reach etcd, the same settings in both services. Every setting can be given as an environment variable,
 * e.g. {@code ETCD_ENDPOINTS}, {@code ETCD_PASSWORD}, {@code ETCD_TLS_CA_FILE}.
 */
@ConfigMapping(prefix = "etcd")
public interface EtcdConfig {

    /** The etcd client URLs, comma-separated: all {@code http://} or all {@code https://}. */
    @WithDefault("http://localhost:2379")
    List<URI> endpoints();

    /** Deadline of each etcd request (jetcd sets none of its own). */
    @WithDefault("2s")
    Duration requestTimeout();

    /** How long to wait for a connection to an etcd endpoint. */
    @WithDefault("2s")
    Duration connectTimeout();

    /** User of etcd's role-based access control; needs {@link #password()}. Unset: no authentication. */
    Optional<String> username();

    /** Password of {@link #username()}. Never logged. */
    Optional<String> password();

    /** TLS to etcd; used when the endpoints are {@code https://}. */
    Tls tls();

    interface Tls {

        /** PEM file of the CA certificate(s) that signed etcd's server certificates. Unset: the JVM's trust store. */
        Optional<Path> caFile();

        /** PEM client certificate, for etcd started with {@code --client-cert-auth}; needs {@link #keyFile()}. */
        Optional<Path> certFile();

        /** The client certificate's private key: unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
        Optional<Path> keyFile();
    }
}
