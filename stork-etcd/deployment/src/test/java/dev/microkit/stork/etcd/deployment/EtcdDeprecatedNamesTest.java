package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The settings of the earlier release keep working, as properties ({@code etcd.endpoints}) and as environment
 * variables ({@code ETCD_CONNECT_TIMEOUT}, set for this module's tests in its pom), each with one warning however
 * often the configuration is read (build, static init, run time); a new name wins over an old one in the same source.
 */
class EtcdDeprecatedNamesTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("etcd.endpoints", "http://127.0.0.1:2")
            .overrideConfigKey("etcd.request-timeout", "9s")
            .overrideConfigKey("quarkus.etcd.request-timeout", "4s")
            .setLogRecordPredicate(record -> record.getLoggerName().startsWith("dev.microkit.stork.etcd"))
            .assertLogRecords(records -> {
                List<String> messages = records.stream().map(r -> ((ExtLogRecord) r).getFormattedMessage()).toList();
                List<String> endpoints = messages.stream().filter(m -> m.startsWith("etcd.endpoints")).toList();
                assertEquals(1, endpoints.size(), messages::toString);
                assertTrue(endpoints.get(0).startsWith("etcd.endpoints is deprecated and will be removed in the next "
                        + "release: use quarkus.etcd.endpoints (environment variable QUARKUS_ETCD_ENDPOINTS) instead; "
                        + "it is set in PropertiesConfigSource[source=file:")
                        && endpoints.get(0).endsWith("/application.properties]"), endpoints.get(0));
                assertEquals(List.of("Environment variable ETCD_CONNECT_TIMEOUT is deprecated and will be removed in "
                        + "the next release: use QUARKUS_ETCD_CONNECT_TIMEOUT (quarkus.etcd.connect-timeout) instead"),
                        messages.stream().filter(m -> m.contains("ETCD_CONNECT_TIMEOUT is")).toList());
                assertEquals(1, messages.stream().filter(m -> m.startsWith("etcd.request-timeout")).count(),
                        messages::toString);
                assertEquals(List.of(), messages.stream().filter(m -> m.startsWith("Dev Services for etcd")).toList(),
                        "Dev Services started although etcd.endpoints is set");
            });

    @Inject
    EtcdClients clients;

    @Test
    void earlierNamesAreRead() {
        assertEquals(List.of(URI.create("http://127.0.0.1:2")), clients.config().endpoints());
        assertEquals(Duration.ofSeconds(3), clients.config().connectTimeout());
        assertEquals(Duration.ofSeconds(4), clients.config().requestTimeout());
    }
}
