package dev.microkit.users.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.users.testing.Outbox;
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
            creates.add(store.create(id, email, HELD_FOR, null).map(UserStore.Stored::user)
                    .subscribeAsCompletionStage());
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
                        Outbox.entryOf(etcd, id).orElseThrow().getModRevision(), "outbox entry, same commit");
                String emailKey = UserStore.BY_EMAIL + emails.get(i).toLowerCase(Locale.ROOT);
                assertEquals(id, etcd.get(emailKey).orElseThrow().getValue().toString(UTF_8));
            } catch (ExecutionException e) {
                assertInstanceOf(DuplicateEmailException.class, e.getCause(), emails.get(i));
                refused.add(emails.get(i).toLowerCase(Locale.ROOT));
                assertTrue(etcd.get(UserStore.BY_ID + id).isEmpty(), "nothing of a refused user is stored");
                assertTrue(Outbox.entryOf(etcd, id).isEmpty(), "no welcome email for a refused user");
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
        store.create(UUID.randomUUID().toString(), "before-" + run + "@example.com", HELD_FOR, null).await()
                .atMost(Duration.ofSeconds(10)); // connected
        Duration timeout = etcdConfig.requestTimeout();
        List<CompletableFuture<User>> creates = new ArrayList<>();
        long start = System.nanoTime();
        etcd.member(0).pause();
        try {
            for (int i = 0; i < 10; i++) { // 2 sent (and stuck), 8 waiting behind them
                creates.add(store.create(UUID.randomUUID().toString(), "stall" + i + "-" + run + "@example.com",
                        HELD_FOR, null).map(UserStore.Stored::user).subscribeAsCompletionStage());
            }
            for (int i = 0; i < creates.size(); i++) {
                CompletableFuture<User> create = creates.get(i);
                ExecutionException failure = assertThrows(ExecutionException.class,
                        () -> create.get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS));
                // the first two were sent to etcd, which may apply them when it resumes; the others never were
                Class<? extends RuntimeException> expected = i < config.createTransactions()
                        ? CreateOutcomeUnknownException.class : StoreUnavailableException.class;
                assertEquals(expected, failure.getCause().getClass(), "create " + i);
            }
            // each by its own deadline, not one request timeout after the transaction it waited for
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(timeout.plusMillis(1500)) < 0, "all failed after " + took.toMillis()
                    + " ms, request timeout " + timeout.toMillis() + " ms");
        } finally {
            etcd.member(0).resume();
        }
        String after = "after-" + run + "@example.com"; // the transactions that failed gave their turn back
        assertEquals(after, store.create(UUID.randomUUID().toString(), after, HELD_FOR, null).await()
                .atMost(Duration.ofSeconds(10)).user().email());
    }

    /**
     * 24 clients keep asking for a taken email (each refused, as it should be) while 8 others create 300 fresh users:
     * a transaction that held a taken email once failed as a whole, its free users went again with the next request
     * for the taken one, and so on until their deadlines passed (284 of 300 answered 503).
     */
    @Test
    void aTakenEmailAskedForAgainAndAgainCostsOnlyItsOwnRequests() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String taken = "hammered-" + run + "@example.com";
        store.create(UUID.randomUUID().toString(), taken, HELD_FOR, null).await().atMost(Duration.ofSeconds(10));

        ExecutorService threads = Executors.newCachedThreadPool();
        AtomicBoolean hammering = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        List<Throwable> otherAnswers = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Void>> hammers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            hammers.add(CompletableFuture.runAsync(() -> {
                while (hammering.get()) {
                    try {
                        store.create(UUID.randomUUID().toString(), taken, HELD_FOR, null).await()
                                .atMost(Duration.ofSeconds(10));
                        otherAnswers.add(new AssertionError("created the taken email"));
                    } catch (DuplicateEmailException e) {
                        refused.incrementAndGet();
                    } catch (RuntimeException e) {
                        otherAnswers.add(e);
                    }
                }
            }, threads));
        }
        List<Long> millis = new CopyOnWriteArrayList<>();
        List<Throwable> freshFailures = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        try {
            for (int c = 0; c < 8; c++) {
                clients.add(CompletableFuture.runAsync(() -> {
                    for (int i = next.getAndIncrement(); i < 300; i = next.getAndIncrement()) {
                        long start = System.nanoTime();
                        try {
                            store.create(UUID.randomUUID().toString(), "fresh" + i + "-" + run + "@example.com",
                                    HELD_FOR, null).await().atMost(Duration.ofSeconds(10));
                            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                        } catch (RuntimeException e) {
                            freshFailures.add(e);
                        }
                    }
                }, threads));
            }
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            hammering.set(false);
            CompletableFuture.allOf(hammers.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            threads.shutdown();
        }

        assertEquals(List.of(), freshFailures.stream().map(Throwable::toString).distinct().toList(),
                freshFailures.size() + " of 300 fresh creates failed");
        assertEquals(300, millis.size());
        assertTrue(refused.get() > 100, "the hammer asked " + refused.get() + " times");
        assertEquals(List.of(), otherAnswers.stream().map(Throwable::toString).distinct().toList());
        List<Long> sorted = millis.stream().sorted().toList();
        System.out.printf("[hammer] %d of 300 fresh creates created, p99 %d ms, while the taken email was refused %d "
                + "times%n", millis.size(), sorted.get(296), refused.get());
        // the request timeout is 2000 ms: a create that waited behind the hammer for it would show here
        assertTrue(sorted.get(296) < 1000, "p99 of the fresh creates " + sorted.get(296) + " ms");
    }

    /**
     * 16 clients create users while etcd stalls three times (SIGSTOP for 1.6 s, 3 s and 1.2 s). A 503 says nothing was
     * stored, and must be true: asked again, each such email is free. A 504 says etcd may have stored it.
     */
    @Test
    void underStallsA503MeansNothingWasStored() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        store.create(UUID.randomUUID().toString(), "warm-" + run + "@example.com", HELD_FOR, null).await()
                .atMost(Duration.ofSeconds(10));
        List<String> notStored = new CopyOnWriteArrayList<>();
        List<String> unknown = new CopyOnWriteArrayList<>();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        AtomicInteger created = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        ExecutorService threads = Executors.newCachedThreadPool();
        AtomicBoolean creating = new AtomicBoolean(true);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            clients.add(CompletableFuture.runAsync(() -> {
                while (creating.get()) {
                    String email = "stall" + next.getAndIncrement() + "-" + run + "@example.com";
                    try {
                        store.create(UUID.randomUUID().toString(), email, HELD_FOR, null).await()
                                .atMost(Duration.ofSeconds(10));
                        created.incrementAndGet();
                    } catch (StoreUnavailableException e) {
                        notStored.add(email);
                    } catch (CreateOutcomeUnknownException e) {
                        unknown.add(email);
                    } catch (RuntimeException e) {
                        unexpected.add(e);
                    }
                }
            }, threads));
        }
        try {
            for (long stall : new long[] { 1600, 3000, 1200 }) {
                Thread.sleep(700);
                etcd.member(0).pause();
                try {
                    Thread.sleep(stall);
                } finally {
                    etcd.member(0).resume();
                }
            }
            Thread.sleep(1000);
        } finally {
            creating.set(false);
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
            threads.shutdown();
        }

        assertEquals(List.of(), unexpected.stream().map(Throwable::toString).distinct().toList());
        assertTrue(created.get() > 100, created.get() + " created");
        // most are 504 (sent when etcd stalled); a 503 comes from a request still waiting at its deadline
        assertTrue(notStored.size() + unknown.size() > 0,
                "no create failed while etcd stalled: the test proves nothing");
        List<String> storedAfter503 = notStored.stream()
                .filter(email -> etcd.get(UserStore.BY_EMAIL + email).isPresent()).toList();
        long storedAfter504 = unknown.stream().filter(email -> etcd.get(UserStore.BY_EMAIL + email).isPresent())
                .count();
        System.out.printf("[stalls] %d created, %d answered 503 (%d of them stored), %d answered 504 (%d of them "
                + "stored)%n", created.get(), notStored.size(), storedAfter503.size(), unknown.size(), storedAfter504);
        assertEquals(List.of(), storedAfter503, storedAfter503.size() + " of " + notStored.size()
                + " creates answered 503 were stored (" + unknown.size() + " answered 504, " + created.get()
                + " created)");
    }

    @Test
    void anIdempotencyKeyAnswersTheUserItCreatedAndRefusesAnotherEmail() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String key = "key-" + run;
        String email = "idem-" + run + "@example.com";
        String firstId = UUID.randomUUID().toString();

        UserStore.Stored first = store.create(firstId, email, HELD_FOR, key).await().atMost(Duration.ofSeconds(10));
        UserStore.Stored again = store.create(UUID.randomUUID().toString(), email, HELD_FOR, key).await()
                .atMost(Duration.ofSeconds(10));

        assertFalse(first.repeated());
        assertEquals(firstId, first.welcome().userId());
        assertTrue(again.repeated());
        assertEquals(firstId, again.user().id());
        assertEquals(email, again.user().email());
        assertThrows(IdempotencyKeyReusedException.class, () -> store.create(UUID.randomUUID().toString(),
                "other-" + run + "@example.com", HELD_FOR, key).await().atMost(Duration.ofSeconds(10)));
        assertTrue(etcd.get(UserStore.BY_EMAIL + "other-" + run + "@example.com").isEmpty());
        // the same email under a new key is a new request, for an email taken
        assertThrows(DuplicateEmailException.class, () -> store.create(UUID.randomUUID().toString(), email, HELD_FOR,
                "other-" + key).await().atMost(Duration.ofSeconds(10)));
    }

    /**
     * A create whose transaction etcd stalled on is answered "unknown" at its deadline; asked again with its key
     * after etcd is back, it is told the user the stalled transaction stored, once.
     */
    @Test
    void aCreateWhoseOutcomeWasUnknownIsAnsweredByItsKeyAfterwards() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        store.create(UUID.randomUUID().toString(), "warm-" + run + "@example.com", HELD_FOR, null).await()
                .atMost(Duration.ofSeconds(10));
        String key = "stalled-" + run;
        String email = "stalled-" + run + "@example.com";
        etcd.member(0).pause();
        try {
            assertThrows(CreateOutcomeUnknownException.class, () -> store.create(UUID.randomUUID().toString(), email,
                    HELD_FOR, key).await().atMost(Duration.ofSeconds(10)));
        } finally {
            etcd.member(0).resume();
        }
        UserStore.Stored again = store.create(UUID.randomUUID().toString(), email, HELD_FOR, key).await()
                .atMost(Duration.ofSeconds(10));
        assertEquals(etcd.get(UserStore.BY_EMAIL + email).orElseThrow().getValue().toString(UTF_8),
                again.user().id());
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }
}
