package dev.microkit.stork.etcd.standalone;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.inject.spi.CDI;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.microkit.stork.etcd.EtcdInfrastructure;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import dev.microkit.stork.etcd.discovery.EtcdConfiguration;
import dev.microkit.stork.etcd.registration.EtcdRegistrarConfiguration;
import dev.microkit.testing.etcd.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.ServiceInstance;
import io.smallrye.stork.integration.DefaultStorkInfrastructure;
import io.smallrye.stork.spi.config.SimpleServiceConfig;
import io.smallrye.stork.impl.RoundRobinConfiguration;

/**
 * The Stork provider and registrar with Stork alone: no Quarkus application, no CDI container. Stork is built by hand,
 * services defined in code ({@link ServicesInCode}), the etcd settings read from system properties (as {@code quarkus.etcd.*}, the names a
 * Quarkus application uses), against a real etcd.
 */
class StandaloneStorkTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private EtcdCluster etcd;
    private DefaultStorkInfrastructure infrastructure;
    private Stork stork;

    @BeforeEach
    void start() {
        etcd = EtcdCluster.start(1);
        System.setProperty("quarkus.etcd.endpoints", etcd.endpoints());
        System.setProperty("quarkus.etcd.registration.ttl", "3s");
        ServicesInCode.SERVICES.add(new SimpleServiceConfig.Builder().setServiceName("greeter")
                .setServiceDiscovery(new EtcdConfiguration().withPrefix("/standalone/"))
                .setLoadBalancer(new RoundRobinConfiguration())
                .setServiceRegistrar(new EtcdRegistrarConfiguration().withPrefix("/standalone/")).build());
        infrastructure = new DefaultStorkInfrastructure();
        stork = new Stork(infrastructure);
    }

    @AfterEach
    void stop() {
        System.clearProperty("quarkus.etcd.endpoints");
        System.clearProperty("quarkus.etcd.registration.ttl");
        ServicesInCode.SERVICES.clear();
        try {
            // the clients Stork's infrastructure made for the providers: closing them ends the watches too
            infrastructure.get(EtcdInfrastructure.class, () -> {
                throw new AssertionError("the providers made no EtcdInfrastructure");
            }).clients().close();
        } finally {
            etcd.close();
        }
    }

    @Test
    void registersAndDiscoversWithoutCdi() throws Exception {
        assertThrows(IllegalStateException.class, CDI::current, "a CDI container is running: not standalone");

        stork.getService("greeter").getServiceRegistrar()
                .registerServiceInstance("greeter", EtcdMetadataKey.labels(Map.of("id", "g1")), "127.0.0.1", 9001)
                .await().atMost(WAIT);

        await().atMost(WAIT).until(() -> instances().size() == 1);
        ServiceInstance instance = instances().get(0);
        assertEquals("127.0.0.1", instance.getHost());
        assertEquals(9001, instance.getPort());
        assertEquals(Map.of("id", "g1"), instance.getLabels());
        assertEquals(instance, stork.getService("greeter").selectInstance().await().atMost(WAIT));

        // the lease has the TTL given as quarkus.etcd.registration.ttl
        try (Client client = Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
            long lease = client.getKVClient().get(ByteSequence.from("/standalone/greeter/127.0.0.1:9001".getBytes()),
                    GetOption.builder().build()).get().getKvs().get(0).getLease();
            long granted = client.getLeaseClient().timeToLive(lease, io.etcd.jetcd.options.LeaseOption.DEFAULT).get()
                    .getGrantedTTL();
            assertEquals(3, granted);
        }

        stork.getService("greeter").getServiceRegistrar().deregisterServiceInstance("greeter").await().atMost(WAIT);
        await().atMost(WAIT).until(() -> instances().isEmpty());
    }

    private List<ServiceInstance> instances() {
        return stork.getService("greeter").getInstances().await().atMost(WAIT);
    }
}
