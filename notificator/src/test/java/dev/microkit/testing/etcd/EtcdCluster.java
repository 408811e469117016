package dev.microkit.testing.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.microkit.testing.FreePorts;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;

/**
 * A real etcd cluster of one or more members for tests: free loopback ports, a temporary data dir, and control of
 * each member (stop, SIGKILL, restart on the same data). {@link #close()} kills every member and deletes the data.
 */
public final class EtcdCluster implements AutoCloseable {

    private final Path workDir;
    private final List<EtcdMember> members = new ArrayList<>();
    private Client client;

    private EtcdCluster(int size) {
        try {
            workDir = Files.createTempDirectory("etcd-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < size; i++) {
            members.add(new EtcdMember("m" + i, FreePorts.next(), FreePorts.next(), workDir));
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

    /** The client URLs, comma-separated, as {@code ETCD_ENDPOINTS} takes them. */
    public String endpoints() {
        return members.stream().map(EtcdMember::clientUrl).collect(Collectors.joining(","));
    }

    /** A jetcd client of the test's own, to look at what the applications wrote. */
    public synchronized Client client() {
        if (client == null) {
            client = Client.builder().endpoints(endpoints().split(",")).build();
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
        members.forEach(EtcdMember::kill);
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary directory
        }
    }
}
