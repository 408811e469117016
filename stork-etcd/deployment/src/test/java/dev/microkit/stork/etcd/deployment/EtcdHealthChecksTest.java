package dev.microkit.stork.etcd.deployment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdMetadataKey;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.stork.Stork;

/**
 * The extension's readiness checks in an application with SmallRye Health and nothing of its own: {@code etcd} UP
 * against the etcd Dev Services started; {@code etcd-registration} DOWN until the instance the application registers
 * is listed, then UP with its key.
 */
class EtcdHealthChecksTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(ReadinessChecks.class))
            .overrideConfigKey("quarkus.etcd.devservices.executable", "etcd")
            .overrideConfigKey("quarkus.stork.greeter.service-registrar.type", "etcd");

    @Inject
    SmallRyeHealthReporter health;

    @Test
    void etcdIsUpAndARegistrationIsDownUntilListed() {
        JsonObject before = check("etcd-registration");
        assertEquals("DOWN", before.getString("status"), before.toString());
        assertEquals("not registered yet", before.getJsonObject("data").getString("greeter"), before.toString());
        JsonObject etcd = check("etcd");
        assertEquals("UP", etcd.getString("status"), etcd.toString());
        assertTrue(etcd.getJsonObject("data").getJsonNumber("revision").longValue() > 0, etcd.toString());

        Stork.getInstance().getService("greeter").getServiceRegistrar()
                .registerServiceInstance("greeter", EtcdMetadataKey.labels(Map.of("id", "g1")), "127.0.0.1", 9001)
                .await().atMost(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(check("etcd-registration").getString("status")));
        assertTrue(check("etcd-registration").getJsonObject("data").getString("greeter")
                .startsWith("/services/greeter/127.0.0.1:9001 (lease "), check("etcd-registration").toString());
        Stork.getInstance().getService("greeter").getServiceRegistrar().deregisterServiceInstance("greeter")
                .await().atMost(Duration.ofSeconds(10));
    }

    private JsonObject check(String name) {
        return ReadinessChecks.named(health, name);
    }
}
