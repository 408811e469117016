package dev.microkit.users;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.stork.Stork;

/**
 * users configured to call notificators of version 2 only ({@code service-discovery.selector}), against real
 * notificators: with only a version 1 listed, readiness is DOWN and says why; once a version 2 registers, it alone is
 * called and readiness is UP.
 */
@QuarkusTest
@TestProfile(NotificatorSelectorTest.VersionTwoOnly.class)
@WithTestResource(EtcdTestResource.class)
class NotificatorSelectorTest {

    public static class VersionTwoOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.stork.notificator.service-discovery.selector", "version=2");
        }
    }

    @InjectEtcd
    EtcdCluster etcd;

    private static final List<AppProcess> NOTIFICATORS = new ArrayList<>();

    @AfterAll
    static void stopNotificators() {
        AppProcess.closeAll(NOTIFICATORS);
    }

    private static String body(String name) {
        return "{\"email\": \"" + name + "-" + System.nanoTime() + "@example.com\"}";
    }

    @Test
    void callsOnlyTheSelectedVersionAndIsNotReadyWhileNoneIsListed() {
        AppProcess v1 = Notificators.startRegistered(etcd, Map.of("REGISTRATION_VERSION", "1"));
        NOTIFICATORS.add(v1);
        // earlier test classes' notificators may still be listed until their leases expire
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Stork.getInstance().getService("notificator").getInstances().await().atMost(Duration.ofSeconds(5));
            given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'notificator-instances' }.data.instances", equalTo(0))
                    .body("checks.find { it.name == 'notificator-instances' }.data.leftOut", equalTo(1))
                    .body("checks.find { it.name == 'notificator-instances' }.data.error", equalTo("none of the 1 "
                            + "notificator instance(s) listed matches quarkus.stork.notificator.service-discovery."
                            + "selector"));
        });

        AppProcess v2 = Notificators.startRegistered(etcd, Map.of("REGISTRATION_VERSION", "2"));
        NOTIFICATORS.add(v2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(200));
        for (int i = 0; i < 10; i++) {
            given().body(body("selected")).post("/create").then().statusCode(201);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Notificators.sentCount(v2) == 10);
        assertEquals(0, Notificators.sentCount(v1), v1.logTail());
    }
}
