package dev.microkit.stork.etcd.it;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.ServiceRegistrar.RegistrarOptions;

@Path("/greeters")
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

    @GET
    public Uni<String> greeters() {
        return Stork.getInstance().getService("greeter").getInstances()
                .map(found -> found.stream().map(greeter -> greeter.getHost() + ":" + greeter.getPort() + " "
                        + greeter.getLabels()).collect(Collectors.joining("\n")));
    }
}
