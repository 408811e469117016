package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;
import jakarta.json.JsonObject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.health.SmallRyeHealthReporter;

/**
 * No etcd at the endpoint: the {@code etcd} readiness check is DOWN, says so, within the request timeout; with no
 * registrar, {@code etcd-registration} says there is nothing to register.
 */
class EtcdHealthDownTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(ReadinessChecks.class))
            .overrideConfigKey("quarkus.etcd.endpoints", "http://127.0.0.1:1")
            .overrideConfigKey("quarkus.etcd.request-timeout", "1s");

    @Inject
    SmallRyeHealthReporter health;

    @Test
    void etcdIsDownWithTheReason() {
        long start = System.nanoTime();
        JsonObject payload = health.getReadiness().getPayload();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        JsonObject etcd = ReadinessChecks.named(payload, "etcd");
        assertEquals("DOWN", etcd.getString("status"), etcd.toString());
        assertTrue(etcd.getJsonObject("data").getString("error").contains("etcd"), etcd.toString());
        assertTrue(tookMillis < 5_000, "took " + tookMillis + " ms");
        assertEquals("DOWN", payload.getString("status"));
        JsonObject registration = ReadinessChecks.named(payload, "etcd-registration");
        assertEquals("UP", registration.getString("status"), "no registrar, nothing to be down about");
        assertEquals("none: this application registers nothing",
                registration.getJsonObject("data").getString("registrars"), registration.toString());
    }
}
