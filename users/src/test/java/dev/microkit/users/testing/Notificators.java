package dev.microkit.users.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.process.AppProcess;
import dev.microkit.testing.process.Artifact;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Real notificators for users' tests: the notificator artifact of this build (jar or native executable), run as child
* processes. */
public final class Notificators {

    public static final Artifact ARTIFACT = Artifact.of(Path.of("..", "notificator"));

    private Notificators() {
    }

    /**
     * The environment of a notificator that serves gRPC on {@code grpcPort} and registers 127.0.0.1:grpcPort in
     * {@code etcd}; its HTTP server (health, metrics) takes any free port unless {@code QUARKUS_HTTP_PORT} is added.
     */
    public static Map<String, String> env(EtcdCluster etcd, int grpcPort) {
        return new HashMap<>(Map.of(
                "QUARKUS_ETCD_ENDPOINTS", etcd.endpoints(),
                "QUARKUS_GRPC_SERVER_PORT", String.valueOf(grpcPort),
                "QUARKUS_HTTP_PORT", "0",
                "REGISTRATION_ADVERTISED_HOST", "127.0.0.1"));
    }

    /** Starts a notificator with {@link #env} plus {@code extraEnv}, without waiting. */
    public static AppProcess start(String name, EtcdCluster etcd, int grpcPort, Map<String, String> extraEnv) {
        Map<String, String> env = env(etcd, grpcPort);
        env.putAll(extraEnv);
        return AppProcess.start(name + "-" + grpcPort, ARTIFACT, env);
    }

    /** Starts a notificator serving gRPC on {@code port}, registering 127.0.0.1:port in {@code etcd}, without waiting.
    * */
    public static AppProcess start(EtcdCluster etcd, int port, Duration ttl) {
        return start("notificator", etcd, port, Map.of("QUARKUS_ETCD_REGISTRATION_TTL", ttl.toSeconds() + "s"));
    }

    /** Starts a notificator and waits until it is registered. */
    public static AppProcess startRegistered(EtcdCluster etcd) {
        return startRegistered(etcd, Map.of());
    }

    /** Starts a notificator with {@code extraEnv} (e.g. {@code REGISTRATION_VERSION}), waits until it is registered. */
    public static AppProcess startRegistered(EtcdCluster etcd, Map<String, String> extraEnv) {
        int port = FreePorts.next();
        Map<String, String> env = new HashMap<>(Map.of("QUARKUS_ETCD_REGISTRATION_TTL", "10s"));
        env.putAll(extraEnv);
        AppProcess process = start("notificator", etcd, port, env);
        awaitRegistered(etcd, port);
        return process;
    }

    /**
     * How many emails it sent to addresses containing {@code address} (a whole address, or the suffix of a test run's
     * own), by its log: a test counts its own, as the outbox of a users app under test may send other tests' pending
     * welcome emails to the notificators it starts.
     */
    public static long sentCount(AppProcess notificator, String address) {
        return linesAbout(notificator, address, "Sent email ");
    }

    /** Its log's lines that contain {@code what} and are about an address containing {@code address}. */
    public static long linesAbout(AppProcess notificator, String address, String what) {
        return notificator.log().lines().filter(line -> line.contains(what) && line.contains(address)).count();
    }

    public static String key(int port) {
        return "/services/notificator/127.0.0.1:" + port;
    }

    /** Asks again when a read fails: it may have gone to a member cut off from its peers, which cannot answer. */
    public static void awaitRegistered(EtcdCluster etcd, int port) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).ignoreExceptions()
                .until(() -> etcd.get(key(port)), Optional::isPresent);
    }

    /** How many attempts users' client made on the notificator at 127.0.0.1:{@code port} that failed (its meters). */
    public static double failedAttemptsOn(MeterRegistry meters, int port) {
        Timer failed = meters.find("notificator.client.calls").tag("instance", "127.0.0.1:" + port)
                .tag("outcome", "failed").timer();
        return failed == null ? 0 : failed.count();
    }
}
