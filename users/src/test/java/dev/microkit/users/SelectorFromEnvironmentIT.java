package dev.microkit.users;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;

/**
 * The packaged users (jar, or native with {@code -Dnative}) reads the discovery's selector from its environment
 * variable alone, with no line in any configuration file (Stork's attributes are a map that Quarkus fills only from
 * names its sources list): an unreadable one stops the start, saying what is wrong.
 */
class SelectorFromEnvironmentIT {

    private static final Artifact USERS = Artifact.of(Path.of("."));

    @Test
    void anUnreadableSelectorInTheEnvironmentStopsTheStartSayingWhy() {
        try (EtcdCluster etcd = EtcdCluster.start(1);
                AppProcess users = AppProcess.start("users-selector", USERS, Map.of(
                        "QUARKUS_ETCD_ENDPOINTS", etcd.endpoints(),
                        "QUARKUS_HTTP_PORT", String.valueOf(FreePorts.next()),
                        "QUARKUS_STORK_NOTIFICATOR_SERVICE_DISCOVERY_SELECTOR", "version in (1"))) {
            int exit = users.awaitExit(Duration.ofSeconds(30));

            assertNotEquals(0, exit, users.logTail());
            assertTrue(users.log().contains("quarkus.stork.notificator.service-discovery.selector: label selector "
                    + "'version in (1': cannot read 'version in (1'"), users.logTail());
        }
    }
}
