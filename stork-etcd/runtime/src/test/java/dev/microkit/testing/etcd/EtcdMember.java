package dev.microkit.testing.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;

import dev.microkit.testing.process.Signals;
import dev.microkit.testing.tls.TestCertificates;

/**
 * One real etcd server process (Debian's {@code etcd-server}) on loopback ports, with its own data dir. It can be
 * stopped, killed with SIGKILL and started again on the same ports and data. With certificates, clients must speak
 * TLS and present a certificate the CA signed ({@code --client-cert-auth}); health and metrics stay on a plain
 * metrics port either way.
 */
public final class EtcdMember {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final int clientPort;
    private final int peerPort;
    private final int metricsPort;
    private final TestCertificates tls;
    private final Path dataDir;
    private final Path log;
    private String initialCluster;
    private Integer uid;
    private boolean bootstrapped;
    private Process process;

    EtcdMember(String name, int clientPort, int peerPort, int metricsPort, TestCertificates tls, Path workDir) {
        this.name = name;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.metricsPort = metricsPort;
        this.tls = tls;
        this.dataDir = workDir.resolve(name + ".etcd");
        this.log = workDir.resolve(name + ".log");
    }

    public String name() {
        return name;
    }

    /** The URL clients dial, e.g. {@code http://127.0.0.1:23790}, or {@code https://} with TLS. */
    public String clientUrl() {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    private String metricsUrl() {
        return "http://127.0.0.1:" + metricsPort;
    }

    String peerUrl() {
        return "http://127.0.0.1:" + peerPort;
    }

    void initialCluster(String initialCluster) {
        this.initialCluster = initialCluster;
    }

    /** Runs the process under a user id of its own, so that its traffic can be told apart (see {@link Partition}). */
    void runAs(int uid) {
        this.uid = uid;
    }

    Integer uid() {
        return uid;
    }

    int peerPort() {
        return peerPort;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the process (on the same data dir after a stop or kill), without waiting for it to serve. */
    public synchronized void launch() {
        if (isRunning()) {
            return;
        }
        List<String> command = new ArrayList<>();
        if (uid != null) {
            command.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        }
        command.addAll(List.of("etcd",
                "--name", name,
                "--data-dir", dataDir.toString(),
                "--listen-client-urls", clientUrl(),
                "--advertise-client-urls", clientUrl(),
                "--listen-peer-urls", peerUrl(),
                "--initial-advertise-peer-urls", peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-token", "microkit-test",
                "--initial-cluster-state", bootstrapped ? "existing" : "new",
                "--heartbeat-interval", "50",
                "--election-timeout", "500",
                "--logger", "zap",
                "--log-outputs", "stderr",
                "--listen-metrics-urls", metricsUrl()));
        if (tls != null) {
            command.addAll(List.of("--cert-file", tls.serverCert().toString(), "--key-file", tls.serverKey().toString(),
                    "--trusted-ca-file", tls.ca().toString(), "--client-cert-auth"));
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd (apt-get install etcd-server)", e);
        }
        bootstrapped = true;
    }

    /** SIGSTOP: the process stalls, its connections stay open and nothing is answered, as in a long GC or I/O stall. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(this.name + " is not running");
        }
        Signals.send(process, name);
    }

    /** Starts the process and waits until it reports itself healthy. */
    public void start() {
        launch();
        awaitHealthy(Duration.ofSeconds(30));
    }

    /** Waits until {@code /health} answers true, which needs a leader, so a quorum of the cluster. */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest request = HttpRequest.newBuilder(URI.create(metricsUrl() + "/health"))
                .timeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() < deadline) {
            if (!isRunning()) {
                throw new IllegalStateException("etcd " + name + " exited:\n" + logTail());
            }
            try {
                HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(50);
        }
        throw new IllegalStateException("etcd " + name + " not healthy within " + timeout + ":\n" + logTail());
    }

    /**
     * How many calls of a gRPC method this member has started, from its Prometheus metrics, e.g. {@code Range} (reads)
     * or {@code Watch} (watch streams): lets a test count the requests an application makes, without a mock.
     */
    public long grpcCalls(String method) {
        return metric("grpc_server_started_total", "grpc_method=\"" + method + "\"");
    }

    /**
     * Watchers this member holds now ({@code etcd_debugging_mvcc_watcher_total}, a gauge despite its name): one per
     * watched key or prefix, however many streams carry them.
     */
    public long watchers() {
        return metric("etcd_debugging_mvcc_watcher_total", "");
    }

    /**
     * Bytes this member has sent to its gRPC clients ({@code etcd_network_client_grpc_sent_bytes_total}): what the
     * applications read, measured by etcd itself.
     */
    public long bytesSentToClients() {
        return metric("etcd_network_client_grpc_sent_bytes_total", "");
    }

    /** The sum of a Prometheus metric's samples whose labels contain {@code label}. */
    private long metric(String name, String label) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(metricsUrl() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            String metrics = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
            return metrics.lines()
                    .filter(line -> (line.startsWith(name + "{") || line.startsWith(name + " "))
                            && line.contains(label))
                    .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM, and wait for the process to exit. */
    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            awaitExit();
        }
    }

    /** SIGKILL: the process dies at once, as in a crash. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            awaitExit();
        }
    }

    /** Kill, then start again on the same ports and data. */
    public void restart() {
        kill();
        start();
    }

    /**
     * Restarts this member {@code times} times; after each restart its clients' watches must come back to
     * {@code watchers} and stay there for 3 s: a client that started two watches for one that broke would show.
     */
    public void restartKeepingWatchers(int times, long watchers) {
        Awaitility.await("watchers before the restarts").atMost(Duration.ofSeconds(10))
                .until(() -> watchers() == watchers);
        for (int restart = 1; restart <= times; restart++) {
            restart();
            Awaitility.await(watchers + " watcher(s) after restart " + restart).atMost(Duration.ofSeconds(10))
                    .during(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> watchers() == watchers);
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + clientUrl();
    }
}
