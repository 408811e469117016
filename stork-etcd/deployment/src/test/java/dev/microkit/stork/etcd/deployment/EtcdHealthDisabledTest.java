package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.health.SmallRyeHealthReporter;

/** {@code quarkus.etcd.health.enabled=false}: the application's readiness has no etcd checks. */
class EtcdHealthDisabledTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(ReadinessChecks.class))
            .overrideConfigKey("quarkus.etcd.endpoints", "http://127.0.0.1:1")
            .overrideConfigKey("quarkus.etcd.health.enabled", "false");

    @Inject
    SmallRyeHealthReporter health;

    @Test
    void noEtcdChecks() {
        assertEquals(List.of(), ReadinessChecks.all(health).stream().map(check -> check.getString("name")).toList());
    }
}
