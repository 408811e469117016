package dev.microkit.users.outbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.users.store.SentWelcome;
import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import dev.microkit.users.testing.Outbox;
import io.etcd.jetcd.KeyValue;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;

/** The recorder against a real etcd: many sent emails, few transactions, every one recorded. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class SentRecorderTest {

    @Inject
    SentRecorder recorder;

    @Inject
    UserStore store;

    @Inject
    WelcomeDispatcher dispatcher;

    @Inject
    OutboxConfig config;

    @InjectEtcd
    EtcdCluster etcd;

    @Test
    void recordsOneHundredSentEmailsInThreeTransactions() throws Exception {
        List<UserStore.Stored> creations = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String id = UUID.randomUUID().toString();
            // as /create does: this replica's dispatcher leaves them alone
            creations.add(dispatcher.sendingAtOnce(id, store.create(id, "rec" + id + "@example.com",
                    config.claimTtl(), null)).await().atMost(Duration.ofSeconds(5)));
        }
        List<User> created = creations.stream().map(UserStore.Stored::user).toList();
        for (UserStore.Stored user : creations) {
            assertTrue(Outbox.entryOf(etcd, user.user().id()).isPresent(), "pending before it is recorded");
        }

        Uni.join().all(creations.stream().map(user -> recorder.record(new SentWelcome(user.user().sent(
                "n-" + user.user().id()), user.welcome()))).toList())
                .andFailFast().await().atMost(Duration.ofSeconds(10));

        // the users of one transaction share its revision: 42 + 42 + 16 (the last batch closed by its delay)
        assertEquals(42, config.recordBatch(), "the default batch");
        Set<Long> transactions = new HashSet<>();
        for (User user : created) {
            KeyValue kv = etcd.get("/users/by-id/" + user.id()).orElseThrow();
            transactions.add(kv.getModRevision());
            String stored = kv.getValue().toString(UTF_8);
            assertTrue(stored.contains("\"sent\"") && stored.contains("n-" + user.id()), stored);
            assertTrue(Outbox.entryOf(etcd, user.id()).isEmpty(), "outbox entry gone");
            assertTrue(etcd.get("/users/outbox-claims/" + user.id()).isEmpty(), "claim gone");
        }
        assertEquals(3, transactions.size(), "one transaction per batch: " + transactions);
    }
}
