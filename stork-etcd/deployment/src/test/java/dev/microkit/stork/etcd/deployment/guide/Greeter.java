package dev.microkit.stork.etcd.deployment.guide;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.ServiceInstance;
import io.smallrye.stork.api.ServiceRegistrar.RegistrarOptions;

@ApplicationScoped
public class Greeter {

    void register(@Observes StartupEvent start) {
        Stork.getInstance().getService("greeter").getServiceRegistrar()
                .registerServiceInstance(new RegistrarOptions("greeter", "127.0.0.1", 9001, List.of(),
                        Map.of("version", "1")))
                .subscribe().with(listed -> Log.info("greeter is listed in etcd"), Log::error);
    }

    void deregister(@Observes ShutdownEvent stop) {
        Stork.getInstance().getService("greeter").getServiceRegistrar().deregisterServiceInstance("greeter")
                .await().indefinitely();
    }

    public Uni<List<ServiceInstance>> greeters() {
        return Stork.getInstance().getService("greeter").getInstances();
    }
}
