package dev.microkit.stork.etcd.registration;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.stork.etcd.EtcdEndpointValue;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import dev.microkit.stork.etcd.LastEtcdFailure;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdMember;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.stork.api.Metadata;
import io.smallrye.stork.api.ServiceRegistrar;

/** The etcd registrar against a real etcd server: listed, healed, re-registered, deregistered. */
class EtcdServiceRegistrarTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String KEY = "/services/notificator/127.0.0.1:8082";

    private EtcdCluster etcd;
    private Client client;
    private EtcdServiceRegistrar registrar;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void start() {
        etcd = EtcdCluster.start(1);
        client = Client.builder().endpoints(etcd.endpoints().split(",")).build();
        registrar = registrarOn(etcd, client);
    }

    /** TTL 2 s, etcd calls time out after 2 s, retried after 100 ms, 200 ms, ... 500 ms. */
    private EtcdServiceRegistrar registrarOn(EtcdCluster cluster, Client etcdClient) {
        return new EtcdServiceRegistrar("notificator", new EtcdRegistrarSettings(
                List.of(URI.create(cluster.endpoints().split(",")[0])), "/services/", Duration.ofSeconds(2),
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMillis(500)),
                etcdClient, new LastEtcdFailure(), new ObjectMapper(), meters);
    }

    @AfterEach
    void stop() {
        registrar.deregisterServiceInstance("notificator").await().atMost(WAIT);
        client.close();
        etcd.close();
    }

    private static Optional<InstanceRegistration.Holding> holding(EtcdServiceRegistrar registrar) {
        return registrar.instances().stream().findFirst().flatMap(InstanceRegistration::holding);
    }

    private void register() {
        registrar.registerServiceInstance("notificator", EtcdMetadataKey.labels(Map.of("id", "n1")), "127.0.0.1",
                8082)
                .await().atMost(WAIT);
    }

    @Test
    void listsTheInstanceAsEtcdNamingJsonOnALeaseAndRevokesItWhenDeregistered() {
        register();

        String value = etcd.get(KEY).orElseThrow().getValue().toString(UTF_8);
        assertEquals("{\"Op\":0,\"Addr\":\"127.0.0.1:8082\",\"Metadata\":\"id=n1\"}", value);
        assertEquals(Optional.of(KEY), holding(registrar).map(InstanceRegistration.Holding::key));
        assertNotEquals(0, etcd.get(KEY).orElseThrow().getLease(), "bound to a lease");
        assertEquals(1.0, meters.get("etcd.registration.registered").tag("service", "notificator").gauge().value());
        assertEquals("127.0.0.1:8082", EtcdEndpointValue.parse(value, new ObjectMapper()).address());

        registrar.deregisterServiceInstance("notificator").await().atMost(WAIT);

        assertTrue(etcd.get(KEY).isEmpty(), "gone at once: the lease was revoked");
        assertEquals(Optional.empty(), holding(registrar));
    }

    /** Stork's own options (what Quarkus' automatic registration passes): their metadata are the published labels. */
    @Test
    void registersWithStorksOptionsTheirMetadataAsLabels() {
        Map<String, String> metadata = new java.util.LinkedHashMap<>();
        metadata.put("id", "n2");
        metadata.put("zone", "eu-1");
        registrar.registerServiceInstance(new ServiceRegistrar.RegistrarOptions("notificator", "127.0.0.1", 8082,
                List.of("ignored-tag"), metadata)).await().atMost(WAIT);

        assertEquals("{\"Op\":0,\"Addr\":\"127.0.0.1:8082\",\"Metadata\":\"id=n2&zone=eu-1\"}",
                etcd.get(KEY).orElseThrow().getValue().toString(UTF_8));
    }

    /**
     * Two instances of one Stork service (two ports of one application): each on a lease of its own, so that losing one
     * lease re-registers that instance only; one can be deregistered by its address (as Stork 3 does), and Stork 2's
     * deregistration by service name takes all.
     */
    @Test
    void keepsSeveralInstancesOfOneServiceEachOnItsOwnLeaseAndDeregistersThemOneByOne() throws Exception {
        String other = "/services/notificator/127.0.0.1:8083";
        register();
        registrar.registerServiceInstance("notificator", EtcdMetadataKey.labels(Map.of("id", "n2")), "127.0.0.1",
                8083).await().atMost(WAIT);
        long first = etcd.get(KEY).orElseThrow().getLease();
        long second = etcd.get(other).orElseThrow().getLease();
        assertNotEquals(first, second, "one lease per instance");
        assertEquals(2.0, meters.get("etcd.registration.registered").tag("service", "notificator").gauge().value());
        assertEquals(List.of(KEY, other), registrar.instances().stream().map(InstanceRegistration::key).toList());

        client.getLeaseClient().revoke(second).get(5, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> etcd.get(other).map(kv -> kv.getLease()).orElse(0L),
                id -> id != 0 && id != second);
        assertEquals(first, etcd.get(KEY).orElseThrow().getLease(), "the other instance kept its lease");

        registrar.deregisterServiceInstance("notificator", "127.0.0.1", 8083).await().atMost(WAIT);
        assertTrue(etcd.get(other).isEmpty(), "deregistered by address");
        assertEquals(first, etcd.get(KEY).orElseThrow().getLease(), "still listed");
        registrar.deregisterServiceInstance("notificator", "127.0.0.1", 8083).await().atMost(WAIT); // twice: a no-op

        registrar.registerServiceInstance("notificator", EtcdMetadataKey.labels(Map.of("id", "n3")), "127.0.0.1",
                8083).await().atMost(WAIT);
        assertTrue(etcd.get(other).isPresent(), "an address deregistered may be registered again");
        registrar.deregisterServiceInstance("notificator").await().atMost(WAIT);
        assertTrue(etcd.get(KEY).isEmpty() && etcd.get(other).isEmpty(), "all deregistered by service name");
        assertEquals(List.of(), registrar.instances());
    }

    @Test
    void registeringAnAddressThatIsListedAlreadyFailsAndKeepsTheFirst() {
        register();
        long lease = etcd.get(KEY).orElseThrow().getLease();

        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> registrar
                .registerServiceInstance("notificator", EtcdMetadataKey.labels(Map.of("id", "again")), "127.0.0.1",
                        8082).await().atMost(WAIT));

        assertEquals(KEY + " is registered already; deregister it first", twice.getMessage());
        assertEquals(lease, etcd.get(KEY).orElseThrow().getLease());
        assertTrue(etcd.get(KEY).orElseThrow().getValue().toString(UTF_8).contains("id=n1"));
    }

    @Test
    void aKeyDeletedByHandIsPutBackOnTheSameLease() throws Exception {
        register();
        long lease = etcd.get(KEY).orElseThrow().getLease();

        client.getKVClient().delete(ByteSequence.from(KEY, UTF_8)).get(5, TimeUnit.SECONDS);

        long restored = await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> etcd.get(KEY), Optional::isPresent).orElseThrow().getLease();
        assertEquals(lease, restored);
    }

    @Test
    void aRevokedLeaseIsReplacedAndTheKeyPutAgain() throws Exception {
        register();
        long lease = etcd.get(KEY).orElseThrow().getLease();

        client.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);

        long renewed = await().atMost(WAIT).pollInterval(Duration.ofMillis(20))
                .until(() -> etcd.get(KEY).map(kv -> kv.getLease()).orElse(0L), id -> id != 0 && id != lease);
        assertNotEquals(lease, renewed);
        // counted when the registrar has the put's answer, which may come after the key is visible to others
        await().atMost(WAIT).untilAsserted(() -> assertEquals(1.0, meters.get("etcd.registration.reregistrations")
                .tag("service", "notificator").counter().count()));
    }

    /**
     * Each restart breaks the watch on the own key; it must be started again once, not once per way jetcd reports the
     * break (an error, then a completion when the broken watcher is closed): two retry chains per break made the
     * watchers multiply with every restart (1, 2, 8, 50, 256, 1634 after five).
     */
    @Test
    void keepsOneWatchOnItsKeyThroughEtcdRestarts() {
        register();

        etcd.member(0).restartKeepingWatchers(5, 1); // the retry is 500 ms: a second chain would show within 3 s

        client.getKVClient().delete(ByteSequence.from(KEY, UTF_8)).join();
        await("put back after the restarts").atMost(WAIT).until(() -> etcd.get(KEY).isPresent());
    }

    /**
     * A cluster without a leader for longer than the TTL: jetcd's keep-alive gives up (its clock), while etcd still
     * has the lease (a new leader extends every lease). The registrar keeps that lease rather than putting its key on
     * a new one; a leader kill with a short TTL used to give every instance a new lease.
     */
    @Test
    void keepsItsLeaseWhenKeepAliveGaveUpWhileEtcdStillHasIt() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(3);
                Client clusterClient = Client.builder().endpoints(cluster.endpoints().split(",")).build()) {
            EtcdServiceRegistrar onCluster = registrarOn(cluster, clusterClient);
            onCluster.registerServiceInstance("notificator", Metadata.of(EtcdMetadataKey.class), "127.0.0.1", 8082)
                    .await().atMost(WAIT);
            long lease = holding(onCluster).orElseThrow().leaseId();
            EtcdMember leader = cluster.leader();
            List<EtcdMember> followers = cluster.members().stream().filter(member -> member != leader).toList();

            followers.forEach(EtcdMember::pause); // no quorum: the leader steps down, no keep-alive is answered
            try {
                await("jetcd's keep-alive gave up").atMost(WAIT).until(() -> holding(onCluster).isEmpty());
            } finally {
                followers.forEach(EtcdMember::resume);
            }

            await("registered again").atMost(Duration.ofSeconds(20)).until(() -> holding(onCluster).isPresent());
            assertEquals(lease, holding(onCluster).orElseThrow().leaseId(), "the same lease");
            assertEquals(lease, cluster.get(KEY).orElseThrow().getLease());
            assertEquals(0.0, meters.get("etcd.registration.reregistrations").tag("service", "notificator")
                    .counter().count());
            onCluster.deregisterServiceInstance("notificator").await().atMost(WAIT);
            assertTrue(cluster.get(KEY).isEmpty(), "the kept lease was revoked at deregistration");
        }
    }

    /**
     * One member of three takes calls but does not answer them (paused, like a member cut off from its peers): jetcd's
     * round robin sends it every third call. A retry that made three calls (grant, put, a revoke of the lease) sent
     * every put to that member, for ever. The member is chosen so that the first put meets it.
     */
    @Test
    void registersWhileOneMemberOfThreeTakesCallsWithoutAnsweringThem() throws Exception {
        try (EtcdCluster cluster = EtcdCluster.start(3);
                Client clusterClient = Client.builder().endpoints(cluster.endpoints().split(",")).build()) {
            List<EtcdMember> next = roundRobinOrder(cluster, clusterClient);
            if (next.get(1) == cluster.leader()) { // pause a follower: the other two go on as a cluster
                readServingMember(clusterClient);
                next = List.of(next.get(1), next.get(2), next.get(0));
            }
            EtcdMember unanswering = next.get(1); // the grant goes to next.get(0), the put to this one
            unanswering.pause();
            try {
                EtcdServiceRegistrar onCluster = registrarOn(cluster, clusterClient);
                onCluster.registerServiceInstance("notificator", Metadata.of(EtcdMetadataKey.class), "127.0.0.1",
                        8082).await().atMost(WAIT);
                assertEquals(holding(onCluster).orElseThrow().leaseId(), cluster.get(KEY).orElseThrow().getLease());
                onCluster.deregisterServiceInstance("notificator").await().atMost(WAIT);
            } finally {
                unanswering.resume();
            }
        }
    }

    /** The members in the order the client's round robin calls them, starting with the one its next call goes to. */
    private static List<EtcdMember> roundRobinOrder(EtcdCluster cluster, Client etcdClient) throws Exception {
        Map<Long, EtcdMember> byId = new HashMap<>();
        for (EtcdMember member : cluster.members()) {
            byId.put(etcdClient.getMaintenanceClient().statusMember(member.clientUrl()).get(5, TimeUnit.SECONDS)
                    .getHeader().getMemberId(), member);
        }
        List<Long> served = new ArrayList<>();
        for (int call = 0; call < 100; call++) { // until every member is connected and the cycle shows twice
            served.add(readServingMember(etcdClient));
            int n = served.size();
            if (n >= 6 && served.subList(n - 6, n - 3).equals(served.subList(n - 3, n))
                    && new HashSet<>(served.subList(n - 3, n)).size() == 3) {
                return served.subList(n - 3, n).stream().map(byId::get).toList();
            }
        }
        throw new IllegalStateException("no round robin over the three members: " + served);
    }

    /** One serializable read (answered by whichever member gets it); the id of the member that answered. */
    private static long readServingMember(Client etcdClient) throws Exception {
        return etcdClient.getKVClient().get(ByteSequence.from("/any", UTF_8),
                GetOption.builder().withSerializable(true).build()).get(5, TimeUnit.SECONDS).getHeader()
                .getMemberId();
    }

    /** However jetcd delivers it: a put on a revoked lease (a raw gRPC status), a keep-alive of it (its own error). */
    @Test
    void seesLeaseNotFoundInEveryFormJetcdDeliversIt() throws Exception {
        long lease = client.getLeaseClient().grant(10).get(5, TimeUnit.SECONDS).getID();
        client.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);

        ExecutionException put = assertThrows(ExecutionException.class, () -> client.getKVClient().put(
                ByteSequence.from(KEY, UTF_8), ByteSequence.from("x", UTF_8), PutOption.builder().withLeaseId(lease)
                        .build()).get(5, TimeUnit.SECONDS));
        assertTrue(EtcdErrors.isLeaseNotFound(put), put.getCause().toString());
        ExecutionException keepAlive = assertThrows(ExecutionException.class,
                () -> client.getLeaseClient().keepAliveOnce(lease).get(5, TimeUnit.SECONDS));
        assertTrue(EtcdErrors.isLeaseNotFound(keepAlive), keepAlive.getCause().toString());
        assertFalse(EtcdErrors.isLeaseNotFound(new StatusRuntimeException(Status.UNAVAILABLE)));
    }
}
