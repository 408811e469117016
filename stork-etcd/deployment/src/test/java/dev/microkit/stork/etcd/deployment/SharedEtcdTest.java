package dev.microkit.stork.etcd.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * How two applications in dev mode share one etcd: the second finds the one the first started, as long as it runs,
 * and nothing once it stopped. A real etcd process, from the PATH.
 */
class SharedEtcdTest {

    @Test
    void theNextApplicationFindsTheRunningEtcdAndNothingOnceItStopped() {
        String name = "test-" + UUID.randomUUID();
        SharedEtcd first = new SharedEtcd(name);
        EtcdProcess etcd = new EtcdProcess("etcd", 0, first);
        etcd.start();
        try {
            assertTrue(Files.isRegularFile(first.file()), "announced in " + first.file());
            assertEquals(Optional.of(etcd.endpoint()), new SharedEtcd(name).find(), "found by the next one");
            assertEquals(Optional.empty(), new SharedEtcd("other-" + name).find(), "not under another name");
        } finally {
            etcd.close();
        }
        assertFalse(Files.exists(first.file()), "withdrawn when it stopped");
        assertEquals(Optional.empty(), new SharedEtcd(name).find());
    }

    @Test
    void aStaleAnnouncementIsIgnored() throws Exception {
        SharedEtcd shared = new SharedEtcd("stale-" + UUID.randomUUID());
        shared.announce("http://127.0.0.1:1", Long.MAX_VALUE); // no such process, nothing listening
        try {
            assertEquals(Optional.empty(), shared.find());
        } finally {
            shared.withdraw();
        }
    }
}
