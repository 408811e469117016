package dev.microkit.testing.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.net.ssl.SSLException;

import dev.microkit.testing.FreePorts;
import dev.microkit.testing.tls.TestCertificates;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.OptionsUtil;
import io.grpc.netty.GrpcSslContexts;

/**
 * A real etcd cluster of one or more members for tests: free loopback ports, a temporary data dir, and control of
 * each member (stop, SIGKILL, restart on the same data). {@link #close()} kills every member and deletes the data.
 * <p>
 * A secure cluster ({@link #startSecure}) is what production should run: clients speak TLS and present a client
 * certificate, and role-based access control is on, with {@code root} and an application user whose role may only
 * read and write {@code /services/} and {@code /users/}. Passwords are random per cluster.
 */
public final class EtcdCluster implements AutoCloseable {

    /** The application user of a secure cluster. */
    public static final String APP_USER = "microkit";
    /** Its role: read and write under {@link #APP_PREFIXES}, nothing else. */
    public static final String APP_ROLE = "microkit-app";
    public static final List<String> APP_PREFIXES = List.of("/services/", "/users/");

    private final Path workDir;
    private final List<EtcdMember> members = new ArrayList<>();
    private final List<Partition> partitions = new ArrayList<>();
    private final TestCertificates tls;
    private final String rootPassword = "root-" + UUID.randomUUID();
    private final String appPassword = "app-" + UUID.randomUUID();
    private final String wrongPassword = "wrong-" + UUID.randomUUID();
    private boolean authEnabled;
    private Client client;

    private EtcdCluster(int size) {
        this(size, null);
    }

    private EtcdCluster(int size, TestCertificates tls) {
        this.tls = tls;
        try {
            workDir = Files.createTempDirectory("etcd-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < size; i++) {
            members.add(new EtcdMember("m" + i, FreePorts.next(), FreePorts.next(), FreePorts.next(), tls,
                    workDir));
        }
        String initialCluster = members.stream().map(m -> m.name() + "=" + m.peerUrl())
                .collect(Collectors.joining(","));
        members.forEach(m -> m.initialCluster(initialCluster));
    }

    /** A cluster of {@code size} members whose ports are chosen, none of them started. */
    public static EtcdCluster create(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("a cluster needs at least one member");
        }
        return new EtcdCluster(size);
    }

    /** A started cluster of {@code size} members, each healthy. */
    public static EtcdCluster start(int size) {
        EtcdCluster cluster = create(size);
        try {
            cluster.startAll();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * A started cluster of {@code size} members, each running under a user id of its own, so that one can be cut off
     * from its peers ({@link #isolate}). Needs root (iptables, and to run etcd as other users).
     */
    public static EtcdCluster startPartitionable(int size) {
        EtcdCluster cluster = create(size);
        try {
            cluster.workDir.toFile().setWritable(true, false);
            cluster.workDir.toFile().setExecutable(true, false);
            for (int i = 0; i < size; i++) {
                cluster.members.get(i).runAs(Partition.FIRST_UID + i);
            }
            cluster.startAll();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * Cuts {@code member} off from its peers (not from its clients) until the partition is closed, or the cluster:
     * it loses its leader, while the others elect one and go on.
     */
    public Partition isolate(EtcdMember member) {
        Partition partition = Partition.isolate(member, members.stream().filter(other -> other != member).toList());
        partitions.add(partition);
        return partition;
    }

    /**
     * A started one-member cluster with client TLS ({@code --client-cert-auth}) and authentication on: {@code root}
     * plus {@link #APP_USER}, whose role {@link #APP_ROLE} may only read and write {@link #APP_PREFIXES}.
     */
    public static EtcdCluster startSecure(TestCertificates certs) {
        EtcdCluster cluster = new EtcdCluster(1, certs);
        try {
            cluster.startAll();
            cluster.enableAuth();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void enableAuth() {
        var auth = client().getAuthClient();
        ByteSequence app = bytes(APP_USER);
        ByteSequence role = bytes(APP_ROLE);
        try {
            auth.userAdd(bytes("root"), bytes(rootPassword)).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.roleAdd(role).get(10, TimeUnit.SECONDS);
            for (String prefix : APP_PREFIXES) {
                ByteSequence from = bytes(prefix);
                auth.roleGrantPermission(role, from, OptionsUtil.prefixEndOf(from), Permission.Type.READWRITE)
                        .get(10, TimeUnit.SECONDS);
            }
            auth.userAdd(app, bytes(appPassword)).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(app, role).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot enable etcd authentication", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        synchronized (this) {
            authEnabled = true;
            client.close(); // from now on the test's client logs in as root
            client = null;
        }
    }

    /** The password of {@link #APP_USER}. */
    public String appPassword() {
        return appPassword;
    }

    /** A password that is not {@link #APP_USER}'s, for tests of a wrong one (and a secret all the same). */
    public String wrongPassword() {
        return wrongPassword;
    }

    /**
     * Fails if {@code text} (a log, a health answer, an error body) shows a password of this cluster or a line of
     * its certificates' private keys.
     */
    public void assertNoSecretsIn(String text) {
        List<String> secrets = new ArrayList<>(List.of(rootPassword, appPassword, wrongPassword));
        certificates().ifPresent(certs -> secrets.addAll(certs.keyMaterial()));
        for (String secret : secrets) {
            if (text.contains(secret)) {
                throw new AssertionError("a secret shows: " + secret.substring(0, 6) + "...");
            }
        }
    }

    /**
     * Fails if {@code log} has jetcd's own line per failed attempt of a call ("retry failure", "maximum number of auto
     * retries reached"): the services say it once, in their own words, with the cause.
     */
    public static void assertNoJetcdRetryLinesIn(String log) {
        for (String line : log.lines().toList()) {
            if (line.contains("retry failure (attempt") || line.contains("maximum number of auto retries")) {
                throw new AssertionError("jetcd logs every failed attempt: " + line);
            }
        }
    }

    /** The certificates of a secure cluster. */
    public Optional<TestCertificates> certificates() {
        return Optional.ofNullable(tls);
    }

    /**
     * The services' settings to reach this cluster as {@link #APP_USER}: {@code quarkus.etcd.endpoints}, and for a
     * secure cluster {@code quarkus.etcd.username}, {@code quarkus.etcd.password} and {@code quarkus.etcd.tls.*}.
     */
    public Map<String, String> clientProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("quarkus.etcd.endpoints", endpoints());
        if (tls != null) {
            properties.put("quarkus.etcd.username", APP_USER);
            properties.put("quarkus.etcd.password", appPassword);
            properties.put("quarkus.etcd.tls.ca-file", tls.ca().toString());
            properties.put("quarkus.etcd.tls.cert-file", tls.clientCert().toString());
            properties.put("quarkus.etcd.tls.key-file", tls.clientKey().toString());
        }
        return properties;
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /** Launches every member at once (members of a new cluster wait for each other), then waits for health. */
    public void startAll() {
        members.forEach(EtcdMember::launch);
        members.forEach(m -> m.awaitHealthy(Duration.ofSeconds(30)));
    }

    public EtcdMember member(int index) {
        return members.get(index);
    }

    public List<EtcdMember> members() {
        return List.copyOf(members);
    }

    /** The client URLs, comma-separated, as {@code QUARKUS_ETCD_ENDPOINTS} takes them. */
    public String endpoints() {
        return members.stream().map(EtcdMember::clientUrl).collect(Collectors.joining(","));
    }

    /** A jetcd client of the test's own (root, on a secure cluster), to look at what the applications wrote. */
    public synchronized Client client() {
        if (client == null) {
            // no pings while idle: etcd closes such a connection after three (too_many_pings), see EtcdClients
            ClientBuilder builder = Client.builder().endpoints(endpoints().split(",")).keepaliveWithoutCalls(false);
            if (tls != null) {
                try {
                    builder.sslContext(GrpcSslContexts.forClient().trustManager(tls.ca().toFile())
                            .keyManager(tls.clientCert().toFile(), tls.clientKey().toFile()).build());
                } catch (SSLException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (authEnabled) {
                builder.user(bytes("root")).password(bytes(rootPassword));
            }
            client = builder.build();
        }
        return client;
    }

    /** The key-value pair stored under {@code key}, read with a 5 s deadline. */
    public Optional<KeyValue> get(String key) {
        try {
            return client().getKVClient().get(ByteSequence.from(key, StandardCharsets.UTF_8))
                    .get(5, TimeUnit.SECONDS).getKvs().stream().findFirst();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read " + key + " from etcd " + endpoints(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The member that is the leader now (asked of the running members). */
    public EtcdMember leader() {
        for (EtcdMember member : members) {
            if (!member.isRunning()) {
                continue;
            }
            try {
                var status = client().getMaintenanceClient().statusMember(member.clientUrl()).get(5, TimeUnit.SECONDS);
                if (status.getLeader() == status.getHeader().getMemberId()) {
                    return member;
                }
            } catch (ExecutionException | TimeoutException e) {
                // not answering: not the leader
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no member is the leader");
    }

    @Override
    public void close() {
        synchronized (this) {
            if (client != null) {
                client.close();
            }
        }
        partitions.forEach(Partition::close);
        members.forEach(EtcdMember::kill);
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary directory
        }
    }
}
