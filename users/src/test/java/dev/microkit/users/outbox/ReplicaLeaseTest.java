package dev.microkit.users.outbox;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdTestResource;
import dev.microkit.testing.etcd.InjectEtcd;
import io.etcd.jetcd.options.LeaseOption;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** This replica's outbox lease against a real etcd: lost, granted anew, and never dropped by news of an old one. */
@QuarkusTest
@WithTestResource(EtcdTestResource.class)
class ReplicaLeaseTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    /** Longer than the default outbox.claim-ttl (10 s): only a lease kept alive lives so long. */
    private static final Duration OUTLIVE = Duration.ofSeconds(11);

    @Inject
    ReplicaLease lease;

    @InjectEtcd
    EtcdCluster etcd;

    @Test
    void aLateEndOfAnOldLeaseDoesNotDropTheLiveOne() throws Exception {
        long old = lease.id().await().atMost(WAIT);
        etcd.client().getLeaseClient().revoke(old).get(5, TimeUnit.SECONDS);
        // the keep-alive of the revoked lease reports it gone; the next use grants a new one
        long live = await().atMost(WAIT).until(() -> lease.id().await().atMost(WAIT), id -> id != old);

        // jetcd may still end the old lease's keep-alive after that (onCompleted, or onError NOT_FOUND)
        lease.lost(old, "keep-alive of an old lease completed late");

        assertEquals(live, lease.id().await().atMost(WAIT), "the live lease, whose claims are in use, is kept");
        Thread.sleep(OUTLIVE.toMillis());
        assertTrue(etcd.client().getLeaseClient().timeToLive(live, LeaseOption.DEFAULT).get(5, TimeUnit.SECONDS)
                .getTTL() > 0, "still kept alive, past its TTL");
    }
}
