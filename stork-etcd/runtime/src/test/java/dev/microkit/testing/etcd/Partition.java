package dev.microkit.testing.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * One etcd member cut off from its peers by iptables rules on loopback, matched by the member's own user id (see
 * {@link EtcdCluster#startPartitionable}): what it sends to their peer ports is dropped, and what they send to its
 * peer port. Its clients still reach it. Closing removes the rules (tagged with a comment of their own).
 */
public final class Partition implements AutoCloseable {

    static final int FIRST_UID = 61000;

    private final String tag = "microkit-partition-" + UUID.randomUUID();
    private final List<List<String>> rules = new ArrayList<>();
    private boolean closed;

    private Partition() {
    }

    static Partition isolate(EtcdMember member, List<EtcdMember> peers) {
        if (member.uid() == null) {
            throw new IllegalStateException(member + " does not run under a user id of its own: use "
                    + "EtcdCluster.startPartitionable");
        }
        Partition partition = new Partition();
        String peerPorts = peers.stream().map(peer -> String.valueOf(peer.peerPort()))
                .collect(Collectors.joining(","));
        String own = String.valueOf(member.peerPort());
        try {
            partition.add(List.of("-p", "tcp", "-m", "owner", "--uid-owner", String.valueOf(member.uid()),
                    "-m", "multiport", "--dports", peerPorts));
            partition.add(List.of("-p", "tcp", "--dport", own));
            partition.add(List.of("-p", "tcp", "--sport", own));
        } catch (RuntimeException e) {
            partition.close();
            throw e;
        }
        return partition;
    }

    private void add(List<String> match) {
        List<String> rule = new ArrayList<>(match);
        rule.addAll(List.of("-m", "comment", "--comment", tag, "-j", "DROP"));
        iptables("-I", rule);
        rules.add(rule);
    }

    /** Heals the partition. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (List<String> rule : rules) {
            iptables("-D", rule);
        }
    }

    private static void iptables(String action, List<String> rule) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w", action, "OUTPUT"));
        command.addAll(rule);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = process.waitFor();
            if (exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + exit + " (the "
                        + "partition tests need root and iptables: apt-get install iptables): " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run iptables (apt-get install iptables)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
