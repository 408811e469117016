package dev.microkit.users.notify;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.DeleteOption;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.stork.Stork;

/** The client against instances listed in a real etcd. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class NotificatorClientTest {

    private static final String PREFIX = "/services/notificator/";

    @Inject
    NotificatorClient client;

    @Inject
    MeterRegistry meters;

    @InjectEtcd
    EtcdCluster etcd;

    private double retries() {
        return meters.counter("notificator.client.retries").count();
    }

    @Test
    void aCallThatFailedOnEveryListedInstanceIsNotRetried() throws Exception {
        etcd.client().getKVClient().delete(ByteSequence.from(PREFIX, UTF_8), DeleteOption.builder().isPrefix(true)
                .build()).get(5, TimeUnit.SECONDS);
        String dead = "127.0.0.1:" + FreePorts.next(); // nobody listens: UNAVAILABLE at once
        etcd.client().getKVClient().put(ByteSequence.from(PREFIX + dead, UTF_8),
                ByteSequence.from("{\"Op\":0,\"Addr\":\"" + dead + "\"}", UTF_8)).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> Stork.getInstance().getService("notificator")
                .getInstances().await().atMost(Duration.ofSeconds(5)).size() == 1);
        double before = retries();

        NotificatorUnavailableException failure = assertThrows(NotificatorUnavailableException.class,
                () -> client.sendEmail("ann@example.com", "Hi!", UUID.randomUUID().toString()).await()
                        .atMost(Duration.ofSeconds(10)));

        assertTrue(failure.getMessage().startsWith(
                "no notificator instance could be reached: every listed instance failed"), failure.getMessage());
        assertEquals(before, retries(), "the only instance failed: nothing new to try, so no retry");
        etcd.client().getKVClient().delete(ByteSequence.from(PREFIX + dead, UTF_8)).get(5, TimeUnit.SECONDS);
    }
}
