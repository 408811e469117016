package dev.microkit.users.notify;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
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
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.stork.Stork;

/**
 * {@code notificator.affinity=none}: Stork's load balancer (round robin, as users configures it) picks every call's
 * instance, with real notificators. Calls spread evenly over three; with one killed (SIGKILL, listed until its 30 s
 * lease expires) every call is still sent, the dead one is tried less and less often, and the two others share its
 * calls evenly.
 */
@QuarkusTest
@TestProfile(AffinityNoneTest.StorkLoadBalancer.class)
@WithTestResource(EtcdTestResource.class)
class AffinityNoneTest {

    public static class StorkLoadBalancer implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("notificator.affinity", "none");
        }
    }

    private static final List<AppProcess> NOTIFICATORS = new ArrayList<>();

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    NotificatorClient client;

    @Inject
    MeterRegistry meters;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private int calls;

    @AfterAll
    static void stopNotificators() {
        AppProcess.closeAll(NOTIFICATORS);
    }

    @Test
    void roundRobinOverEveryInstanceAndAroundADeadOne() throws InterruptedException {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ports.add(FreePorts.next());
            NOTIFICATORS.add(Notificators.start("notificator", etcd, ports.get(i),
                    Map.of("QUARKUS_ETCD_REGISTRATION_TTL", "30s")));
        }
        ports.forEach(port -> Notificators.awaitRegistered(etcd, port));
        // notificators of earlier test classes may still be listed until their leases expire
        await().atMost(Duration.ofSeconds(40)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).size() == 3);
        send(300);
        long[] sent = sentPerInstance();
        System.out.printf("[affinity none] 300 calls over 3: %d/%d/%d%n", sent[0], sent[1], sent[2]);
        for (long count : sent) {
            assertEquals(100, count, 1, "round robin: a third each");
        }

        AppProcess dead = NOTIFICATORS.get(0);
        dead.kill();
        long end = System.nanoTime() + Duration.ofSeconds(7).toNanos();
        int afterKill = 0;
        while (System.nanoTime() < end) {
            send(1);
            afterKill++;
            Thread.sleep(20);
        }
        long[] now = sentPerInstance();
        double tried = Notificators.failedAttemptsOn(meters, ports.get(0));
        System.out.printf("[affinity none] one killed: %d calls over 7 s, all sent (%d/%d by the others); the dead one"
                + " tried %.0f times%n", afterKill, now[1] - sent[1], now[2] - sent[2], tried);
        assertEquals(afterKill, (now[1] - sent[1]) + (now[2] - sent[2]), "every call sent by the two alive");
        assertEquals(afterKill / 2.0, now[1] - sent[1], afterKill * 0.1, "the two alive share the calls");
        assertTrue(tried >= 2 && tried <= 4, "tried " + tried + " times: at 0, 2 and 6 s expected, not every 2 s");
    }

    private void send(int count) {
        for (int i = 0; i < count; i++) {
            int n = calls++;
            client.sendEmail("n" + n + "-" + run + "@example.com", "Hi!", "none-" + run + "-" + n).await()
                    .atMost(Duration.ofSeconds(5));
        }
    }

    private long[] sentPerInstance() {
        return NOTIFICATORS.stream().mapToLong(process -> Notificators.sentCount(process, "-" + run + "@example.com"))
                .toArray();
    }
}
