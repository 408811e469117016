package dev.microkit.users.notify;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.stork.Stork;

/**
 * Choosing notificators, against real ones registered with zone, version and weight labels. users runs in zone eu-1a
 * and calls no notificator of version 0 ({@code service-discovery.selector}):
 * <ol>
 * <li>only a version 0 listed: readiness DOWN, saying the selector leaves out every instance;</li>
 * <li>eu-1a at weights 1 and 3, one in eu-1b: 2,000 calls split 1:3 in eu-1a, none to eu-1b nor to version 0;</li>
 * <li>the weight 3 one killed (SIGKILL; listed until its 30 s lease expires): every call still sent, the dead one
 * tried less and less often (outlier ejection);</li>
 * <li>eu-1a's other one killed too: calls go to eu-1b, every one sent;</li>
 * <li>a new eu-1a one: calls come back to it.</li>
 * </ol>
 */
@QuarkusTest
@TestProfile(NotificatorSelectionTest.InZoneANotVersionZero.class)
@WithTestResource(EtcdTestResource.class)
class NotificatorSelectionTest {

    public static class InZoneANotVersionZero implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("notificator.zone", "eu-1a",
                    "quarkus.stork.notificator.service-discovery.selector", "version notin (0)");
        }
    }

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    NotificatorClient client;

    @Inject
    MeterRegistry meters;

    private static final List<AppProcess> NOTIFICATORS = new ArrayList<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private int sent;

    @AfterAll
    static void stopNotificators() {
        AppProcess.closeAll(NOTIFICATORS);
    }

    private record Started(AppProcess process, int port) {
    }

    private Started start(String zone, String version, String weight) {
        int port = FreePorts.next();
        Map<String, String> env = new HashMap<>(Map.of("REGISTRATION_ZONE", zone, "REGISTRATION_VERSION", version,
                "QUARKUS_ETCD_REGISTRATION_TTL", "30s"));
        if (weight != null) {
            env.put("REGISTRATION_WEIGHT", weight);
        }
        AppProcess process = Notificators.start("notificator", etcd, port, env);
        NOTIFICATORS.add(process);
        Notificators.awaitRegistered(etcd, port);
        return new Started(process, port);
    }

    private static void awaitSelected(Set<Integer> ports) {
        // notificators of earlier test classes may still be listed until their leases expire
        await().atMost(Duration.ofSeconds(40)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).stream().map(i -> i.getPort())
                .collect(Collectors.toSet()).equals(ports));
    }

    /** Sends {@code count} emails with keys of their own; each must be sent. */
    private void send(int count) {
        for (int i = 0; i < count; i++) {
            int n = sent++;
            client.sendEmail("s" + n + "-" + run + "@example.com", "Hi!", "select-" + run + "-" + n).await()
                    .atMost(Duration.ofSeconds(5));
        }
    }

    private long sent(Started notificator) {
        return Notificators.sentCount(notificator.process(), "-" + run + "@example.com");
    }

    @Test
    void choosesBySelectorZoneAndWeightAndAvoidsTheDeadLessAndLessOften() throws InterruptedException {
        Started v0 = start("eu-1a", "0", null);
        awaitSelected(Set.of());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(503)
                .body("checks.find { it.name == 'notificator-instances' }.data.leftOut", equalTo(1))
                .body("checks.find { it.name == 'notificator-instances' }.data.error", equalTo("none of the 1 "
                        + "notificator instance(s) listed matches quarkus.stork.notificator.service-discovery."
                        + "selector")));

        Started light = start("eu-1a", "1", "1");
        Started heavy = start("eu-1a", "1", "3");
        Started far = start("eu-1b", "1", null);
        awaitSelected(Set.of(light.port(), heavy.port(), far.port()));
        given().get("/q/health/ready").then().statusCode(200);
        send(2000);
        System.out.printf("[selection] 2000 calls: eu-1a weight 1: %d, weight 3: %d; eu-1b: %d; version 0: %d%n",
                sent(light), sent(heavy), sent(far), sent(v0));
        assertEquals(2000, sent(light) + sent(heavy), "all in its own zone");
        assertEquals(500, sent(light), 70, "about a quarter at weight 1 of 4 (3.6 standard deviations)");
        assertEquals(0, sent(v0), "left out by the selector");

        heavy.process().kill();
        long end = System.nanoTime() + Duration.ofSeconds(12).toNanos();
        int calls = 0;
        while (System.nanoTime() < end) { // keys of their own: about three in four are the dead one's
            send(1);
            calls++;
            Thread.sleep(50);
        }
        double tried = Notificators.failedAttemptsOn(meters, heavy.port());
        System.out.printf("[selection] weight 3 one killed: %d calls over 12 s, all sent; it was tried %.0f times%n",
                calls, tried);
        assertTrue(tried >= 2 && tried <= 4, "tried " + tried + " times: at 0, 2 and 6 s expected, not every 2 s");
        assertEquals(0, sent(far), "eu-1a still has one that answers");

        light.process().kill();
        send(20);
        assertEquals(20, sent(far), "the other zone, while its own has none that answers");

        Started back = start("eu-1a", "1", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            send(1);
            return sent(back) == 1;
        });
        long farBefore = sent(far);
        send(20);
        assertEquals(farBefore, sent(far), "back to its own zone once one there answers");
        assertEquals(21, sent(back));
        assertEquals(0, sent(v0));
    }
}
