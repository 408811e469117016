package dev.microkit.users.etcd;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How to reach etcd. Every setting can be given as an environment variable, e.g. {@code ETCD_ENDPOINTS}. */
@ConfigMapping(prefix = "etcd")
public interface EtcdConfig {

    /** The etcd client URLs, comma-separated. */
    @WithDefault("http://localhost:2379")
    List<URI> endpoints();

    /** Deadline of each etcd request (jetcd sets none of its own). */
    @WithDefault("2s")
    Duration requestTimeout();

    /** How long to wait for a connection to an etcd endpoint. */
    @WithDefault("2s")
    Duration connectTimeout();
}
