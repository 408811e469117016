package dev.microkit.users.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Users created at the same time, against a real etcd: few transactions, each email once, nothing half-written. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class CreateBatchesTest {

    private static final Duration HELD_FOR = Duration.ofSeconds(30);

    @Inject
    UserStore store;

    @Inject
    StoreConfig config;

    @Inject
    EtcdConfig etcdConfig;

    @InjectEtcd
    EtcdCluster etcd;

    @Test
    void sixtyUsersAtOnceShareFewTransactionsAndEachEmailIsTakenOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String taken = "taken-" + run + "@example.com"; // by a user that exists already
        etcd.client().getKVClient().put(bytes(UserStore.BY_EMAIL + taken), bytes("someone-else")).get(5,
                TimeUnit.SECONDS);
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            emails.add(i == 30 ? taken : i == 40 ? "Twice-" + run + "@example.com"
                    : i == 41 ? "twice-" + run + "@EXAMPLE.com" : "u" + i + "-" + run + "@example.com");
        }

        List<String> ids = new ArrayList<>();
        List<CompletableFuture<User>> creates = new ArrayList<>();
        for (String email : emails) { // all asked before the first is answered
            String id = UUID.randomUUID().toString();
            ids.add(id);
            creates.add(store.create(id, email, HELD_FOR).subscribeAsCompletionStage());
        }

        Set<Long> transactions = new HashSet<>();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < creates.size(); i++) {
            String id = ids.get(i);
            try {
                User user = creates.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(id, user.id());
                KeyValue stored = etcd.get(UserStore.BY_ID + id).orElseThrow();
                transactions.add(stored.getModRevision());
                assertEquals(stored.getModRevision(),
                        etcd.get(UserStore.OUTBOX + id).orElseThrow().getModRevision(), "outbox entry, same commit");
                String emailKey = UserStore.BY_EMAIL + emails.get(i).toLowerCase(Locale.ROOT);
                assertEquals(id, etcd.get(emailKey).orElseThrow().getValue().toString(UTF_8));
            } catch (ExecutionException e) {
                assertInstanceOf(DuplicateEmailException.class, e.getCause(), emails.get(i));
                refused.add(emails.get(i).toLowerCase(Locale.ROOT));
                assertTrue(etcd.get(UserStore.BY_ID + id).isEmpty(), "nothing of a refused user is stored");
                assertTrue(etcd.get(UserStore.OUTBOX + id).isEmpty(), "no welcome email for a refused user");
            }
        }
        assertEquals(2, refused.size(), "the email taken before, and one of the two that differ in case: " + refused);
        assertTrue(refused.contains(taken), refused.toString());
        assertTrue(refused.contains("twice-" + run + "@example.com"), refused.toString());
        assertEquals("someone-else", etcd.get(UserStore.BY_EMAIL + taken).orElseThrow().getValue().toString(UTF_8));
        assertTrue(config.createTransactions() == 2 && config.createBatch() == 32, "the defaults");
        // 58 users: two alone (one per free transaction), the others queued behind them, up to 32 per transaction
        assertTrue(transactions.size() <= 20, transactions.size() + " transactions for 58 users");
    }

    @Test
    void whileEtcdStallsEveryWaitingUserFailsByItsDeadlineAndCreatesGoOnAfterwards() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        store.create(UUID.randomUUID().toString(), "before-" + run + "@example.com", HELD_FOR).await()
                .atMost(Duration.ofSeconds(10)); // connected
        Duration timeout = etcdConfig.requestTimeout();
        List<CompletableFuture<User>> creates = new ArrayList<>();
        long start = System.nanoTime();
        etcd.member(0).pause();
        try {
            for (int i = 0; i < 10; i++) { // 2 written (and stuck), 8 waiting behind them
                creates.add(store.create(UUID.randomUUID().toString(), "stall" + i + "-" + run + "@example.com",
                        HELD_FOR).subscribeAsCompletionStage());
            }
            for (CompletableFuture<User> create : creates) {
                ExecutionException failure = assertThrows(ExecutionException.class,
                        () -> create.get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS));
                assertInstanceOf(StoreUnavailableException.class, failure.getCause());
            }
            // each by its own deadline, not one request timeout after the transaction it waited for
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(timeout.plusMillis(1500)) < 0, "all failed after " + took.toMillis()
                    + " ms, request timeout " + timeout.toMillis() + " ms");
        } finally {
            etcd.member(0).resume();
        }
        String after = "after-" + run + "@example.com"; // the transactions that failed gave their turn back
        assertEquals(after, store.create(UUID.randomUUID().toString(), after, HELD_FOR).await()
                .atMost(Duration.ofSeconds(10)).email());
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }
}
