package dev.microkit.users.notify;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.stork.Stork;

/**
 * The ejection cap ({@code notificator.avoid-at-most}, 50%), with real processes: every notificator fails at once, as
 * when the fault is on users' side, and each is avoided for longer and longer (up to 30 s). When they answer again,
 * the cap has kept half of them in play: the calls spread over two instances at once. Without the cap
 * ({@code -Dnotificator.avoid-at-most=100}: this test fails), only the one whose avoidance ends first would be
 * tried, and would take every call until the others' avoidance ends, up to 30 s later.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class EjectionCapTest {

    private static final int INSTANCES = 4;
    private static final List<AppProcess> NOTIFICATORS = new ArrayList<>();

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    NotificatorClient client;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private int calls;

    @AfterAll
    static void stopNotificators() {
        AppProcess.closeAll(NOTIFICATORS);
    }

    private AppProcess start(String name, int port) {
        // listed for 30 s after a SIGKILL: users keeps calling the dead ones until it avoids them
        AppProcess notificator = Notificators.start(name, etcd, port, Map.of("QUARKUS_ETCD_REGISTRATION_TTL", "30s"));
        NOTIFICATORS.add(notificator);
        return notificator;
    }

    @Test
    void whenEveryInstanceFailedHalfOfThemStayInPlay() throws InterruptedException {
        List<Integer> ports = new ArrayList<>();
        List<AppProcess> first = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            ports.add(FreePorts.next());
            first.add(start("notificator", ports.get(i)));
        }
        ports.forEach(port -> Notificators.awaitRegistered(etcd, port));
        // notificators of earlier test classes may still be listed until their leases expire
        await().atMost(Duration.ofSeconds(40)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).size() == INSTANCES);
        for (int i = 0; i < 20; i++) {
            send();
        }

        first.forEach(AppProcess::kill);
        long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        int failed = 0;
        while (System.nanoTime() < end) {
            try {
                send();
                fail("sent with every notificator killed");
            } catch (NotificatorUnavailableException expected) {
                failed++;
            }
            Thread.sleep(50);
        }

        List<AppProcess> again = new ArrayList<>();
        for (int port : ports) { // the same addresses, so users knows them as the instances it avoids
            again.add(start("notificator-again", port));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> again.stream().allMatch(process -> process.log().contains("Registered ")));
        int[] perInstance = new int[INSTANCES];
        for (int i = 0; i < 40; i++) {
            send(); // throws if it is not sent
        }
        for (int n = 0; n < INSTANCES; n++) {
            perInstance[n] = (int) Notificators.sentCount(again.get(n), "-" + run + "@example.com");
        }
        System.out.printf("[ejection cap] %d calls failed while all %d were dead; then 40 calls: %s%n", failed,
                INSTANCES, Arrays.toString(perInstance));
        assertTrue(failed > 20, failed + " calls made while every instance was dead");
        assertEquals(40, Arrays.stream(perInstance).sum(), "every call sent once");
        long inPlay = Arrays.stream(perInstance).filter(count -> count >= 5).count();
        assertTrue(inPlay >= INSTANCES / 2, "at most half of the instances avoided at once, so at least "
                + INSTANCES / 2 + " take calls at once: " + Arrays.toString(perInstance));
    }

    private void send() {
        int n = calls++;
        client.sendEmail("c" + n + "-" + run + "@example.com", "Hi!", "cap-" + run + "-" + n).await()
                .atMost(Duration.ofSeconds(5));
    }
}
