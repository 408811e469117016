package dev.microkit.users.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.microkit.stork.etcd.discovery.EtcdServiceDiscovery;
import dev.microkit.users.notify.NotificatorConfig;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.ServiceDiscovery;

/**
 * Reports how many notificator instances are known. UP with none (users still stores users, and the outbox sends their
 * emails once one is there), but DOWN when instances are listed and the discovery's selector leaves out every one: a
 * setting to fix, not a moment to wait out. It only reads what the discovery holds; it never triggers the first
 * lookup.
 */
@Readiness
@ApplicationScoped
public class NotificatorInstancesHealthCheck implements HealthCheck {

    private final NotificatorConfig config;

    @Inject
    NotificatorInstancesHealthCheck(NotificatorConfig config) {
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("notificator-instances").up();
        ServiceDiscovery discovery = Stork.getInstance().getService(config.serviceName()).getServiceDiscovery();
        if (discovery instanceof EtcdServiceDiscovery etcd) {
            response.withData("prefix", etcd.prefix());
            etcd.knownInstances().ifPresentOrElse(instances -> {
                response.withData("instances", instances.size());
                if (!etcd.selector().keepsAll()) {
                    int leftOut = etcd.unmatched();
                    response.withData("selector", etcd.selector().toString()).withData("leftOut", leftOut);
                    if (instances.isEmpty() && leftOut > 0) {
                        response.down().withData("error", "none of the " + leftOut + " notificator instance(s) listed "
                                + "matches quarkus.stork." + config.serviceName() + ".service-discovery.selector");
                    }
                }
            }, () -> response.withData("instances", "not looked up yet"));
        } else {
            response.withData("discovery", discovery.getClass().getSimpleName());
        }
        return response.build();
    }
}
