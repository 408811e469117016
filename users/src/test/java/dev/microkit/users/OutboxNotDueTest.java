package dev.microkit.users;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdMember;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.users.testing.CreateLoad;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A large outbox that is not due yet (every email tried once while no notificator runs, and put off for an hour) costs
 * the dispatcher's polls next to nothing: they read what is due, not the whole outbox every second. Measured by etcd
 * itself, in the bytes it sends to its clients.
 */
@QuarkusTest
@TestProfile(OutboxNotDueTest.RetryInAnHour.class)
@WithTestResource(EtcdTestResource.class)
class OutboxNotDueTest {

    static final int BACKLOG = 1500;
    static final Duration WINDOW = Duration.ofSeconds(5);

    /** A failed welcome email is tried again an hour later. */
    public static class RetryInAnHour implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("outbox.retry-initial-backoff", "1h", "outbox.retry-max-backoff", "1h");
        }
    }

    @InjectEtcd
    EtcdCluster etcd;

    @TestHTTPResource("/")
    URL users;

    @Test
    void pollsDoNotRereadABacklogThatIsNotDue() throws Exception {
        try (CreateLoad load = CreateLoad.start(URI.create(users.toString()), 8)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> load.requests() >= BACKLOG);
            CreateLoad.Result result = load.stop();
            assertEquals(result.requests(), result.failuresByKind().getOrDefault("201 with the welcome email pending",
                    0L), "every email pending while no notificator runs: " + result);
        }
        // each email is due outbox.claim-ttl after its create, tried once, and put off for an hour
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> triedOnce() >= BACKLOG);

        long oneRead = bytesSent(() -> outboxEntries());
        long polls = bytesSent(() -> sleep(WINDOW));
        System.out.printf("[outbox] %d welcome emails not due: reading them once costs etcd %d bytes; the dispatcher's"
                + " polls over %d s cost it %d bytes%n", BACKLOG, oneRead, WINDOW.toSeconds(), polls);
        assertTrue(polls * 10 < oneRead, "polls over " + WINDOW + " made etcd send " + polls
                + " bytes, more than a tenth of one read of the whole outbox (" + oneRead + ")");
        assertTrue(triedOnce() >= BACKLOG, "the backlog is still there, not sent, not dropped");
    }

    /** Outbox entries (in whatever layout) that were tried once, from their JSON. */
    private long triedOnce() {
        return outboxEntries().stream().filter(kv -> kv.getValue().toString(UTF_8).contains("\"attempts\":1,"))
                .count();
    }

    private List<KeyValue> outboxEntries() {
        try {
            return etcd.client().getKVClient().get(ByteSequence.from("/users/outbox", UTF_8),
                    GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS).getKvs();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What etcd sends its clients while {@code during} runs, in bytes. */
    private long bytesSent(Runnable during) {
        long before = etcd.members().stream().mapToLong(EtcdMember::bytesSentToClients).sum();
        during.run();
        return etcd.members().stream().mapToLong(EtcdMember::bytesSentToClients).sum() - before;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
