package dev.microkit.users.notify;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.testing.Notificators;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.stork.Stork;

/**
 * Three real notificators, each remembering the idempotency keys it has seen: the calls of one key all reach the same
 * one, so an email sent again is sent once, whoever sends it; keys spread over all instances; a fourth joining takes
 * new keys, not those whose send is not settled; when the owner goes, its keys move to one other instance and stay
 * there.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class KeyAffinityTest {

    static final int KEYS = 30;

    @InjectEtcd
    EtcdCluster etcd;

    @Inject
    NotificatorClient client;

    private static final List<AppProcess> NOTIFICATORS = new ArrayList<>();

    @AfterAll
    static void stopNotificators() {
        AppProcess.closeAll(NOTIFICATORS);
    }

    @Test
    void theCallsOfOneKeyReachOneInstanceAndMoveOnlyWhenItGoes() {
        for (int i = 0; i < 3; i++) {
            NOTIFICATORS.add(Notificators.startRegistered(etcd));
        }
        // notificators of earlier test classes may still be listed until their leases expire
        await().atMost(Duration.ofSeconds(30)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).size() == 3);
        String run = UUID.randomUUID().toString().substring(0, 8);

        for (int key = 0; key < KEYS; key++) {
            for (int again = 0; again < 3; again++) { // as a resend from the outbox would
                client.sendEmail(email(run, key), "Hi!", "key-" + run + "-" + key).await()
                        .atMost(Duration.ofSeconds(5));
            }
        }

        int[] keysPerInstance = new int[3];
        for (int key = 0; key < KEYS; key++) {
            int sentBy = -1;
            for (int n = 0; n < 3; n++) {
                long sent = sent(NOTIFICATORS.get(n), email(run, key));
                assertTrue(sent <= 1, "key " + key + " sent " + sent + " times by notificator " + n);
                if (sent == 1) {
                    assertEquals(-1, sentBy, "key " + key + " sent by notificators " + sentBy + " and " + n);
                    sentBy = n;
                }
            }
            assertTrue(sentBy >= 0, "key " + key + " was sent");
            keysPerInstance[sentBy]++;
        }
        for (int n = 0; n < 3; n++) {
            assertTrue(keysPerInstance[n] > 0, "every instance owns keys: " + List.of(keysPerInstance[0],
                    keysPerInstance[1], keysPerInstance[2]));
        }

        // a fourth instance joins and would own about a quarter of the keys: the keys not settled (none here is
        // recorded as sent) still go where they went, and none is sent twice (KeyRoutes)
        NOTIFICATORS.add(Notificators.startRegistered(etcd));
        await().atMost(Duration.ofSeconds(30)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).size() == 4);
        for (int key = 0; key < KEYS; key++) {
            client.sendEmail(email(run, key), "Hi!", "key-" + run + "-" + key).await().atMost(Duration.ofSeconds(5));
        }
        for (int key = 0; key < KEYS; key++) {
            long sent = 0;
            for (AppProcess notificator : NOTIFICATORS) {
                sent += sent(notificator, email(run, key));
            }
            assertEquals(1, sent, "key " + key + " sent " + sent + " times after a fourth notificator joined");
        }
        // a key never sent before goes to its owner among all four: the new one takes new keys
        long newKeysOnTheNewOne = 0;
        for (int key = KEYS; key < 2 * KEYS; key++) {
            client.sendEmail(email(run, key), "Hi!", "key-" + run + "-" + key).await().atMost(Duration.ofSeconds(5));
            newKeysOnTheNewOne += sent(NOTIFICATORS.get(3), email(run, key));
        }
        assertTrue(newKeysOnTheNewOne > 0, "the fourth instance owns none of " + KEYS + " new keys");

        // the owner of key 0 goes: its calls move to one other instance, and stay there
        int owner = ownerOf(run, 0);
        NOTIFICATORS.get(owner).kill();
        for (int again = 0; again < 3; again++) {
            client.sendEmail(email(run, 0), "Hi!", "key-" + run + "-0").await().atMost(Duration.ofSeconds(5));
        }
        long sentByOthers = 0;
        for (int n = 0; n < NOTIFICATORS.size(); n++) {
            if (n != owner) {
                sentByOthers += sent(NOTIFICATORS.get(n), email(run, 0));
            }
        }
        assertEquals(1, sentByOthers, "sent once more, by the key's next owner only");
        System.out.printf("[affinity] %d keys, 3 sends each, over 3 notificators: %d/%d/%d keys, each sent once%n",
                KEYS, keysPerInstance[0], keysPerInstance[1], keysPerInstance[2]);
    }

    private int ownerOf(String run, int key) {
        for (int n = 0; n < 3; n++) {
            if (sent(NOTIFICATORS.get(n), email(run, key)) == 1) {
                return n;
            }
        }
        throw new AssertionError("key " + key + " was not sent");
    }

    private static String email(String run, int key) {
        return "k" + key + "-" + run + "@example.com";
    }

    /** How many times this notificator logged sending an email to {@code email}. */
    private static long sent(AppProcess notificator, String email) {
        return notificator.log().lines().filter(line -> line.contains("Sent email ") && line.contains(" to " + email))
                .count();
    }
}
