package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import io.quarkus.test.QuarkusUnitTest;

/** An etcd the user names is the one used: Dev Services start nothing then. */
class EtcdDevServicesConfiguredTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.etcd.endpoints", "http://127.0.0.1:1")
            .setLogRecordPredicate(record -> record.getLoggerName().startsWith("dev.microkit.stork.etcd"))
            .assertLogRecords(records -> assertEquals(List.of(), records.stream().map(r -> r.getMessage())
                    .filter(m -> m.startsWith("Dev Services for etcd")).toList()));

    @Inject
    EtcdClients clients;

    @Test
    void theConfiguredEndpointsAreUsed() {
        assertEquals(List.of(URI.create("http://127.0.0.1:1")), clients.config().endpoints());
    }
}
