package dev.microkit.users;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.users.outbox.WelcomeDispatcher;
import dev.microkit.users.testing.CreateLoad;
import dev.microkit.users.testing.Notificators;
import dev.microkit.users.testing.Outbox;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * An outbox larger than one page of the dispatcher: users are created while no notificator runs (every welcome email
 * pending), then one registers, and the whole backlog must be sent, page after page.
 */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class OutboxBacklogTest {

    @InjectEtcd
    EtcdCluster etcd;

    @TestHTTPResource("/")
    URL users;

    @Test
    void aBacklogOfSeveralPagesIsSentWhenANotificatorComes() throws Exception {
        int wanted = WelcomeDispatcher.PAGE * 2 + 100;
        try (CreateLoad load = CreateLoad.start(URI.create(users.toString()), 8)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> load.requests() >= wanted);
            CreateLoad.Result result = load.stop();
            assertEquals(result.requests(), result.failuresByKind().getOrDefault("201 with the welcome email pending",
                    0L), "every email pending while no notificator runs: " + result);
        }
        long backlog = count(Outbox.PREFIX);
        assertTrue(backlog >= wanted, "backlog " + backlog);

        long start = System.nanoTime();
        try (AppProcess notificator = Notificators.startRegistered(etcd)) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> count(Outbox.PREFIX) == 0);
            System.out.printf("[outbox] a backlog of %d welcome emails (%d pages) sent in %d ms%n", backlog,
                    (backlog + WelcomeDispatcher.PAGE - 1) / WelcomeDispatcher.PAGE,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    private long count(String prefix) throws Exception {
        return etcd.client().getKVClient().get(ByteSequence.from(prefix, UTF_8),
                GetOption.builder().isPrefix(true).withCountOnly(true).build()).get(5, TimeUnit.SECONDS).getCount();
    }
}
