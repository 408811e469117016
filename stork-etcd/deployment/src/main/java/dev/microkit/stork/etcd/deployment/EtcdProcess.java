package dev.microkit.stork.etcd.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.quarkus.deployment.builditem.Startable;

/**
 * An etcd server run from its executable on loopback ports, with its data in a temporary directory that is deleted
 * when it stops: what Dev Services start where no container can run, or when an executable is asked for.
 */
final class EtcdProcess implements Startable {

    private static final Logger LOG = Logger.getLogger(EtcdProcess.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final String executable;
    private final int requestedPort;
    private final SharedEtcd shared;
    private Process process;
    private Path dataDir;
    private String endpoint;

    /** @param shared where to announce it to other applications in dev mode; null when it is not shared */
    EtcdProcess(String executable, int requestedPort, SharedEtcd shared) {
        this.executable = executable;
        this.requestedPort = requestedPort;
        this.shared = shared;
    }

    @Override
    public void start() {
        int clientPort = requestedPort > 0 ? requestedPort : freePort();
        int peerPort = freePort();
        while (peerPort == clientPort) { // the kernel may give a port it just gave back again
            peerPort = freePort();
        }
        endpoint = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        try {
            dataDir = Files.createTempDirectory("quarkus-etcd-devservice-");
            Path log = dataDir.resolve("etcd.log");
            process = new ProcessBuilder(List.of(executable, "--name", "dev", "--data-dir",
                    dataDir.resolve("data").toString(), "--listen-client-urls", endpoint, "--advertise-client-urls",
                    endpoint, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster",
                    "dev=" + peer)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            awaitHealthy(log);
        } catch (IOException e) {
            close();
            throw new IllegalStateException("Dev Services for etcd could not run '" + executable + "' ("
                    + e.getMessage() + "). Install etcd (Debian/Ubuntu: apt-get install etcd-server), set "
                    + "quarkus.etcd.devservices.executable, or set quarkus.etcd.endpoints to an etcd of yours.", e);
        }
        if (shared != null) {
            shared.announce(endpoint, process.pid());
        }
    }

    private void awaitHealthy(Path log) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                break;
            }
            if (EtcdHealth.healthy(http, endpoint)) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        close();
        throw new IllegalStateException("Dev Services for etcd: " + executable + " did not become healthy at "
                + endpoint + " within " + START_TIMEOUT.toSeconds() + " s. Its output:\n"
                + output.substring(Math.max(0, output.length() - 2000)));
    }

    String endpoint() {
        return endpoint;
    }

    @Override
    public String getConnectionInfo() {
        return endpoint;
    }

    @Override
    public String getContainerId() {
        return process == null ? null : "pid " + process.pid();
    }

    @Override
    public void close() {
        if (shared != null) {
            shared.withdraw();
        }
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            LOG.infof("Dev Services for etcd stopped the etcd at %s", endpoint);
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                LOG.debugf("Could not delete %s: %s", dataDir, e);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for Dev Services for etcd", e);
        }
    }
}
