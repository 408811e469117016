package dev.microkit.stork.etcd.deployment;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import io.etcd.jetcd.ByteSequence;
import io.quarkus.test.QuarkusUnitTest;

/** With no {@code etcd.endpoints}, an application in test mode gets an etcd of its own, started from the PATH. */
class EtcdDevServicesTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .setLogRecordPredicate(record -> record.getLoggerName().startsWith("dev.microkit.stork.etcd"))
            .assertLogRecords(records -> assertTrue(records.stream().anyMatch(r -> r.getMessage()
                    .startsWith("Dev Services for etcd started")), "the log says what was started"));

    @Inject
    EtcdClients clients;

    @Test
    void theApplicationTalksToTheEtcdStartedForIt() throws Exception {
        List<URI> endpoints = clients.config().endpoints();
        assertEquals(1, endpoints.size(), endpoints.toString());
        assertEquals("127.0.0.1", endpoints.get(0).getHost(), "not the default localhost:2379: " + endpoints);

        ByteSequence key = ByteSequence.from("/dev-services/probe", UTF_8);
        clients.main().getKVClient().put(key, ByteSequence.from("yes", UTF_8)).get(10, TimeUnit.SECONDS);
        assertEquals("yes", clients.main().getKVClient().get(key).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()
                .toString(UTF_8));
    }
}
