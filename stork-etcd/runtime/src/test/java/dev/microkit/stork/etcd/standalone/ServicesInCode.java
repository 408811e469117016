package dev.microkit.stork.etcd.standalone;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.smallrye.stork.api.config.ServiceConfig;
import io.smallrye.stork.spi.config.ConfigProvider;

/**
 * Service definitions for a Stork built by hand, through Stork's own SPI (as {@code stork-microprofile-config} gives
 * them from MicroProfile Config). Stork 2.7's {@code defineIfAbsent} keeps no registrar, hence this.
 */
public class ServicesInCode implements ConfigProvider {

    static final List<ServiceConfig> SERVICES = new CopyOnWriteArrayList<>();

    @Override
    public List<ServiceConfig> getConfigs() {
        return List.copyOf(SERVICES);
    }

    /** Above Quarkus' own provider (150), which this module has on its class path, empty outside an application. */
    @Override
    public int priority() {
        return 200;
    }
}
