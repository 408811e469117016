package dev.microkit.users.notify;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
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
 * users in zone eu-1a against real notificators registered with zone and weight labels: it calls its own zone while
 * one there is worth trying, another zone only meanwhile, and splits calls by weight.
 */
@QuarkusTest
@TestProfile(ZoneAndWeightTest.InZoneA.class)
@WithTestResource(EtcdTestResource.class)
class ZoneAndWeightTest {

    public static class InZoneA implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("notificator.zone", "eu-1a");
        }
    }

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    NotificatorClient client;

    private final List<AppProcess> notificators = new ArrayList<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private int sent;

    @AfterEach
    void stopNotificators() {
        AppProcess.closeAll(notificators);
        awaitListed(0);
    }

    private AppProcess start(String zone, String weight) {
        AppProcess notificator = Notificators.startRegistered(etcd, weight == null
                ? Map.of("REGISTRATION_ZONE", zone) : Map.of("REGISTRATION_ZONE", zone, "REGISTRATION_WEIGHT", weight));
        notificators.add(notificator);
        return notificator;
    }

    private static void awaitListed(int count) {
        // notificators of earlier test classes may still be listed until their leases expire
        await().atMost(Duration.ofSeconds(30)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).size() == count);
    }

    /** Sends {@code count} emails with keys of their own; each must be accepted. */
    private void send(int count) {
        for (int i = 0; i < count; i++) {
            int n = sent++;
            client.sendEmail("z" + n + "-" + run + "@example.com", "Hi!", "zone-" + run + "-" + n).await()
                    .atMost(Duration.ofSeconds(5));
        }
    }

    @Test
    void callsItsOwnZoneWhileOneThereIsWorthTryingAndReturnsToIt() {
        AppProcess a1 = start("eu-1a", null);
        AppProcess b1 = start("eu-1b", null);
        awaitListed(2);

        send(20);
        assertEquals(20, Notificators.sentCount(a1), a1.logTail());
        assertEquals(0, Notificators.sentCount(b1), "another zone while one in its own is worth trying");

        a1.kill(); // SIGKILL: its key stays listed until its lease expires; calls to it fail and move on
        send(10);
        assertEquals(10, Notificators.sentCount(b1), "the other zone while its own has none that answers");

        AppProcess a2 = start("eu-1a", null);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            send(1);
            return Notificators.sentCount(a2) == 1;
        });
        long bBefore = Notificators.sentCount(b1);
        send(20);
        assertEquals(bBefore, Notificators.sentCount(b1), "back to its own zone once one there answers again");
        System.out.printf("[zone] eu-1a: %d + %d sent, eu-1b: %d (only while eu-1a had none)%n",
                Notificators.sentCount(a1), Notificators.sentCount(a2), Notificators.sentCount(b1));
    }

    @Test
    void splitsCallsInProportionToWeight() {
        AppProcess light = start("eu-1a", "1");
        AppProcess heavy = start("eu-1a", "3");
        awaitListed(2);

        send(400);
        long lightSent = Notificators.sentCount(light);
        assertEquals(400, lightSent + Notificators.sentCount(heavy));
        System.out.printf("[weights] weight 1 vs 3 over 400 calls: %d (%.1f%%) vs %d%n", lightSent,
                lightSent / 4.0, Notificators.sentCount(heavy));
        assertEquals(100, lightSent, 30, "about a quarter");
    }
}
