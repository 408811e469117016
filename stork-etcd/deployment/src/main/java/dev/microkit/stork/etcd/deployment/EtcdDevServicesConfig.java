package dev.microkit.stork.etcd.deployment;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.config.WithDefault;

/** Dev Services for etcd: an etcd started for the application in dev and test mode. */
public interface EtcdDevServicesConfig {

    /**
     * Start an etcd when the application runs in dev or test mode and {@code quarkus.etcd.endpoints} is not set: a
     * container of the image below where a container runtime can run it, else the {@code etcd} executable found on
     * the PATH, with its data in a temporary directory.
     */
    @WithDefault("true")
    boolean enabled();

    /** The image of the etcd container: the one docker-compose.yml runs. */
    @WithDefault("quay.io/coreos/etcd:v3.5.17")
    String imageName();

    /**
     * How long to wait for the container's images (etcd's, and Testcontainers' Ryuk unless
     * TESTCONTAINERS_RYUK_DISABLED is true) to be pulled when they are not on this machine, before running the
     * executable instead.
     */
    @WithDefault("60s")
    Duration pullTimeout();

    /** Run this etcd executable, never a container; by default a container where one can run, else {@code etcd}. */
    Optional<String> executable();

    /** The client port; by default a free one. */
    OptionalInt port();

    /**
     * In dev mode, share the etcd between applications on this machine: the first one starts it, the others find it
     * (by the service name below) and use it; it stops when the one that started it stops.
     */
    @WithDefault("true")
    boolean shared();

    /** The name under which a shared etcd is found. */
    @WithDefault("etcd")
    String serviceName();
}
