package dev.microkit.stork.etcd;

import io.quarkus.runtime.configuration.ConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Adds the extension's {@link DeprecatedConfigNames} to the application's configuration (see the deployment module).
* */
public class EtcdConfigBuilder implements ConfigBuilder {

    @Override
    public SmallRyeConfigBuilder configBuilder(SmallRyeConfigBuilder builder) {
        return builder.withInterceptors(new DeprecatedConfigNames());
    }
}
