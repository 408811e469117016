package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import io.quarkus.test.QuarkusUnitTest;

/**
 * With no {@code quarkus.etcd.endpoints} and an executable asked for, an application in test mode gets an etcd of its
 * own, started from the PATH, and no container is looked for.
 */
class EtcdDevServicesTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(EtcdProbe.class))
            .overrideConfigKey("quarkus.etcd.devservices.executable", "etcd")
            .setLogRecordPredicate(record -> record.getLoggerName().startsWith("dev.microkit.stork.etcd"))
            .assertLogRecords(records -> {
                assertTrue(records.stream().anyMatch(r -> r.getMessage().startsWith(
                        "Dev Services for etcd started %s at")), "the log says what was started");
                assertTrue(records.stream().noneMatch(r -> r.getMessage().contains("container")),
                        "no container looked for");
            });

    @Inject
    EtcdClients clients;

    @Test
    void theApplicationTalksToTheEtcdStartedForIt() throws Exception {
        URI endpoint = EtcdProbe.endpoint(clients);
        assertEquals("127.0.0.1", endpoint.getHost(), "not the default localhost:2379: " + endpoint);
        EtcdProbe.assertWritesAndReads(clients, "/dev-services/probe");
    }
}
