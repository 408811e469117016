package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import dev.microkit.stork.etcd.devui.EtcdDevUiRpc;
import dev.microkit.stork.etcd.discovery.EtcdServiceDiscoveryProvider;
import dev.microkit.stork.etcd.registration.EtcdServiceRegistrarProvider;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.stork.Stork;

/**
 * What the Dev UI card shows, against a real etcd (Dev Services): a service registered and discovered by the same
 * application, with the key, lease, TTL and labels the registry holds; nothing discovered before the first lookup.
 */
class EtcdDevUiRpcTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.etcd.devservices.executable", "etcd")
            .overrideConfigKey("quarkus.etcd.registration.ttl", "7s")
            .overrideConfigKey("quarkus.stork.greeter.service-registrar.type", "etcd")
            .overrideConfigKey("quarkus.stork.greeter.service-discovery.type", "etcd");

    @Inject
    EtcdClients clients;
    @Inject
    EtcdServiceDiscoveryProvider discoveries;
    @Inject
    EtcdServiceRegistrarProvider registrars;

    @Test
    @SuppressWarnings("unchecked")
    void showsRegistrationsAndInstancesSeen() {
        EtcdDevUiRpc card = new EtcdDevUiRpc(clients, discoveries, registrars);
        Map<String, Object> before = card.getState();
        assertEquals(clients.config().endpoints().stream().map(Object::toString).toList(), before.get("endpoints"));
        Map<String, Object> notYet = ((List<Map<String, Object>>) before.get("registrations")).get(0);
        assertEquals(Map.of("service", "greeter", "ttl", "7s", "notListed", "not registered yet"), notYet);
        assertNull(((List<Map<String, Object>>) before.get("services")).get(0).get("instances"), before.toString());
        assertEquals("0 registrations, 0 instances seen", card.getLabel());

        Stork.getInstance().getService("greeter").getServiceRegistrar()
                .registerServiceInstance("greeter", EtcdMetadataKey.labels(Map.of("id", "g1")), "127.0.0.1", 9001)
                .await().atMost(WAIT);
        assertEquals(1, Stork.getInstance().getService("greeter").getInstances().await().atMost(WAIT).size());

        Map<String, Object> after = card.getState();
        Map<String, Object> held = ((List<Map<String, Object>>) after.get("registrations")).get(0);
        assertEquals("/services/greeter/127.0.0.1:9001", held.get("key"), held.toString());
        assertTrue(((String) held.get("lease")).matches("[0-9a-f]+"), held.toString());
        assertEquals(List.of(Map.of("address", "127.0.0.1:9001", "key", "/services/greeter/127.0.0.1:9001",
                "labels", Map.of("id", "g1"))),
                ((List<Map<String, Object>>) after.get("services")).get(0).get("instances"));
        assertNull(after.get("lastFailure"), after.toString());
        assertEquals("1 registration, 1 instance seen", card.getLabel());

        Stork.getInstance().getService("greeter").getServiceRegistrar().deregisterServiceInstance("greeter")
                .await().atMost(WAIT);
    }
}
