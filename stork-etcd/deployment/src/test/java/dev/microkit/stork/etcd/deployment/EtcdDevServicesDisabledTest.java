package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import io.quarkus.test.QuarkusUnitTest;

/** Dev Services turned off: the default endpoint, and nothing started. */
class EtcdDevServicesDisabledTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.etcd.devservices.enabled", "false");

    @Inject
    EtcdClients clients;

    @Test
    void theDefaultEndpointIsUsed() {
        assertEquals(List.of(URI.create("http://localhost:2379")), clients.config().endpoints());
    }
}
