package dev.microkit.users;

import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How many {@code POST /create} users takes on at once. Every setting can be given as an environment variable. */
@ConfigMapping(prefix = "create")
public interface CreateConfig {

    /**
     * Creates in progress at most, on their whole path (waiting for etcd, written, welcome email sent at once); past
     * it a create is refused at once with 503 and {@code Retry-After}, nothing stored, before it costs memory or waits
     * for a deadline it cannot meet ({@code CREATE_MAX_IN_PROGRESS}). Under overload every place is taken, so a
     * create waits about this many divided by the creates per second served (Little's law): the default keeps that
     * wait a fraction of {@code quarkus.etcd.request-timeout} at the rate one replica serves on a small machine; a
     * longer wait lets the requests behind it and their connections pile up (deploy/README.md, overload). Raise it with
     * the throughput.
     */
    @WithDefault("200")
    @Min(1)
    int maxInProgress();
}
