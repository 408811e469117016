package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import jakarta.inject.Inject;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.microkit.stork.etcd.EtcdClients;
import io.quarkus.test.QuarkusUnitTest;

/**
 * An image that no registry serves (as on an air-gapped machine with a container runtime): the application still
 * starts, on the etcd executable, and the log says why, once.
 */
class EtcdDevServicesFallbackTest {

    static final String ABSENT = "127.0.0.1:1/microkit/no-such-etcd:0";

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(EtcdProbe.class))
            .overrideConfigKey("quarkus.etcd.devservices.image-name", ABSENT)
            .overrideConfigKey("quarkus.etcd.devservices.pull-timeout", "20s")
            .setLogRecordPredicate(record -> record.getLoggerName().startsWith("dev.microkit.stork.etcd"))
            .assertLogRecords(records -> {
                List<String> why = records.stream().filter(r -> r.getMessage().startsWith(
                        "Dev Services for etcd: no container")).map(r -> ((ExtLogRecord) r).getFormattedMessage())
                        .toList();
                assertEquals(1, why.size(), "said once: " + why);
                assertTrue(why.get(0).contains(ABSENT + " is not on this machine and cannot be pulled"), why.get(0));
                assertTrue(records.stream().anyMatch(r -> r.getMessage().startsWith(
                        "Dev Services for etcd started %s at")), "the executable was started");
            });

    @Inject
    EtcdClients clients;

    @Test
    void theApplicationTalksToTheEtcdExecutableInstead() throws Exception {
        EtcdProbe.assertWritesAndReads(clients, "/dev-services/fallback");
    }
}
