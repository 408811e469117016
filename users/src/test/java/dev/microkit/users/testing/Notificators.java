package dev.microkit.users.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;

/** Real notificators for users' tests: the notificator artifact of this build (jar or native executable), run as child processes. */
public final class Notificators {

    public static final Artifact ARTIFACT = Artifact.of(Path.of("..", "notificator"));

    private Notificators() {
    }

    /** Starts a notificator on a free port, registering 127.0.0.1:port in {@code etcd}, without waiting. */
    public static AppProcess start(EtcdCluster etcd, int port, Duration ttl) {
        return AppProcess.start("notificator-" + port, ARTIFACT, Map.of(
                "ETCD_ENDPOINTS", etcd.endpoints(),
                "QUARKUS_HTTP_PORT", String.valueOf(port),
                "REGISTRATION_ADVERTISED_HOST", "127.0.0.1",
                "REGISTRATION_TTL", ttl.toSeconds() + "s"));
    }

    /** Starts a notificator and waits until it is registered. */
    public static AppProcess startRegistered(EtcdCluster etcd) {
        int port = FreePorts.next();
        AppProcess process = start(etcd, port, Duration.ofSeconds(10));
        awaitRegistered(etcd, port);
        return process;
    }

    public static String key(int port) {
        return "/services/notificator/127.0.0.1:" + port;
    }

    public static void awaitRegistered(EtcdCluster etcd, int port) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> etcd.get(key(port)), Optional::isPresent);
    }
}
