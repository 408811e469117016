package dev.microkit.stork.etcd.deployment;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** etcd settings fixed when the application is built. */
@ConfigMapping(prefix = "quarkus.etcd")
@ConfigRoot(phase = ConfigPhase.BUILD_TIME)
public interface EtcdBuildTimeConfig {

    /** Dev Services for etcd: an etcd started for the application in dev and test mode. */
    EtcdDevServicesConfig devservices();

    /** Readiness checks, when the application has {@code quarkus-smallrye-health}. */
    Health health();

    /** Readiness checks. */
    interface Health {

        /**
         * Add the readiness checks {@code etcd} (etcd answers within the request timeout) and
         * {@code etcd-registration} (every instance registered through the Stork registrar {@code etcd} is listed).
         */
        @WithDefault("true")
        boolean enabled();
    }
}
