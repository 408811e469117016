package dev.microkit.stork.etcd.discovery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.microkit.stork.etcd.EtcdMetadataKey;
import dev.microkit.stork.etcd.LastEtcdFailure;
import dev.microkit.testing.etcd.EtcdCluster;
import dev.microkit.testing.etcd.EtcdMember;
import dev.microkit.testing.etcd.Partition;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.stork.api.Metadata;
import io.smallrye.stork.api.ServiceInstance;

/** The etcd discovery against real etcd servers: one member, or three for compaction. */
class EtcdServiceDiscoveryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private EtcdCluster etcd;
    private Client discoveryClient;
    private EtcdServiceDiscovery discovery;

    @BeforeEach
    void start() {
        etcd = EtcdCluster.start(1);
        discoveryClient = Client.builder().endpoints(etcd.endpoints().split(",")).build();
        discovery = discoveryOf(LabelSelector.ALL);
    }

    private EtcdServiceDiscovery discoveryOf(LabelSelector selector) {
        return new EtcdServiceDiscovery("notificator", "/services/", selector, discoveryClient, new LastEtcdFailure(),
                new ObjectMapper(), Duration.ofSeconds(2), new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        if (discovery != null) {
            discovery.close();
        }
        if (discoveryClient != null) {
            discoveryClient.close();
        }
        etcd.close();
    }

    private void put(String key, String value) throws Exception {
        etcd.client().getKVClient().put(bytes(key), bytes(value)).get(5, TimeUnit.SECONDS);
    }

    private void delete(String key) throws Exception {
        etcd.client().getKVClient().delete(bytes(key)).get(5, TimeUnit.SECONDS);
    }

    private static String naming(String addr) {
        return "{\"Op\":0,\"Addr\":\"" + addr + "\",\"Metadata\":\"id=x&version=1\"}";
    }

    private List<ServiceInstance> lookup() {
        return discovery.getServiceInstances().await().atMost(WAIT);
    }

    private Set<String> addresses() {
        return lookup().stream().map(i -> i.getHost() + ":" + i.getPort()).collect(Collectors.toSet());
    }

    private void awaitAddresses(Set<String> expected) {
        await().atMost(WAIT).until(this::addresses, Predicate.isEqual(expected));
    }

    /**
     * A selector keeps the instances whose labels match, and follows them as they change: an instance whose labels
     * come to match joins, one whose labels stop matching leaves; those left out are counted.
     */
    @Test
    void keepsOnlyTheInstancesItsSelectorMatchesAsTheirLabelsChange() throws Exception {
        discovery.close();
        discovery = discoveryOf(LabelSelector.parse("version=2, zone in (eu-1a, eu-1b)"));
        String a = "/services/notificator/10.0.0.1:8082";
        String b = "/services/notificator/10.0.0.2:8082";
        put(a, labelled("10.0.0.1:8082", "version=1&zone=eu-1a"));
        put(b, labelled("10.0.0.2:8082", "version=2&zone=eu-1b"));
        assertEquals(Set.of("10.0.0.2:8082"), addresses());
        assertEquals(1, discovery.unmatched());

        put(a, labelled("10.0.0.1:8082", "version=2&zone=eu-1a"));
        await().atMost(WAIT).until(() -> addresses().equals(Set.of("10.0.0.1:8082", "10.0.0.2:8082")));
        assertEquals(0, discovery.unmatched());

        put(b, labelled("10.0.0.2:8082", "version=2&zone=eu-1c"));
        await().atMost(WAIT).until(() -> addresses().equals(Set.of("10.0.0.1:8082")));
        delete(a);
        await().atMost(WAIT).until(() -> addresses().isEmpty());
        assertEquals(1, discovery.unmatched(), "b is listed, left out");
    }

    private static String labelled(String addr, String metadata) {
        return "{\"Op\":0,\"Addr\":\"" + addr + "\",\"Metadata\":\"" + metadata + "\"}";
    }

    @Test
    void listsWhatIsRegisteredAndFollowsPutsAndDeletes() throws Exception {
        put("/services/notificator/10.0.0.1:8082", naming("10.0.0.1:8082"));
        put("/services/other/10.0.0.9:1", naming("10.0.0.9:1"));
        assertEquals(Set.of("10.0.0.1:8082"), addresses());

        put("/services/notificator/10.0.0.2:8082", naming("10.0.0.2:8082"));
        put("/services/notificator/10.0.0.3:8082", naming("10.0.0.3:8082"));
        awaitAddresses(Set.of("10.0.0.1:8082", "10.0.0.2:8082", "10.0.0.3:8082"));

        delete("/services/notificator/10.0.0.2:8082");
        awaitAddresses(Set.of("10.0.0.1:8082", "10.0.0.3:8082"));
    }

    @Test
    void exposesMetadataAndKeepsIdsOfUnchangedAddresses() throws Exception {
        put("/services/notificator/a", naming("10.0.0.1:8082"));
        ServiceInstance first = lookup().get(0);
        assertEquals(Map.of("id", "x", "version", "1"), first.getLabels());
        assertEquals("id=x&version=1", first.getMetadata().getMetadata().get(EtcdMetadataKey.META_ETCD_METADATA));
        @SuppressWarnings("unchecked")
        Metadata<EtcdMetadataKey> metadata = (Metadata<EtcdMetadataKey>) first.getMetadata();
        assertEquals(Map.of("id", "x", "version", "1"), EtcdMetadataKey.labelsOf(metadata));
        assertEquals("/services/notificator/a", first.getMetadata().getMetadata().get(EtcdMetadataKey.META_ETCD_KEY));

        put("/services/notificator/b", naming("10.0.0.2:8082"));
        put("/services/notificator/a", "{\"Op\":0,\"Addr\":\"10.0.0.1:8082\",\"Metadata\":\"id=x&version=2\"}");
        await().atMost(WAIT).until(() -> lookup().size() == 2
                && lookup().stream().anyMatch(i -> "2".equals(i.getLabels().get("version"))));

        ServiceInstance again = lookup().stream().filter(i -> i.getHost().equals("10.0.0.1")).findFirst().get();
        assertEquals(first.getId(), again.getId());
    }

    @Test
    void readsGoKitValuesBesideNamingJson() throws Exception {
        put("/services/notificator/notificator:8082", "http://notificator:8082");
        put("/services/notificator/10.0.0.7:8082", "10.0.0.7:8082");
        put("/services/notificator/10.0.0.8:8082", naming("10.0.0.8:8082"));

        assertEquals(Set.of("notificator:8082", "10.0.0.7:8082", "10.0.0.8:8082"), addresses());
    }

    @Test
    void skipsMalformedValuesAndServesTheRest() throws Exception {
        put("/services/notificator/bad", "{\"Op\":0,\"Addr\":");
        put("/services/notificator/good", naming("10.0.0.1:8082"));
        assertEquals(Set.of("10.0.0.1:8082"), addresses());

        put("/services/notificator/good", "not an address");
        awaitAddresses(Set.of());
        put("/services/notificator/bad", naming("10.0.0.2:8082"));
        awaitAddresses(Set.of("10.0.0.2:8082"));
    }

    /**
     * More under the prefix than one answer may carry (jetcd takes 4 MiB): five values of 1 MiB that are not
     * addresses, between two instances. Read whole, every listing would fail; read a page at a time, the junk is
     * skipped and the instances are served.
     */
    @Test
    void listsAPrefixLargerThanOneAnswerAPageAtATime() throws Exception {
        put("/services/notificator/a", naming("10.0.0.1:8082"));
        String junk = "x".repeat(1 << 20);
        for (int i = 0; i < 5; i++) {
            put("/services/notificator/junk-" + i, junk);
        }
        put("/services/notificator/z", naming("10.0.0.2:8082"));
        long rangesBefore = etcd.member(0).grpcCalls("Range");

        assertEquals(Set.of("10.0.0.1:8082", "10.0.0.2:8082"), addresses());
        assertTrue(etcd.member(0).grpcCalls("Range") - rangesBefore > 1, "read in one answer");
    }

    /** More instances than one page holds: all of them, from pages read at one revision. */
    @Test
    void listsInstancesOverSeveralPages() throws Exception {
        int count = PrefixListing.PAGE * 2 + 34;
        Set<String> expected = new HashSet<>();
        for (int first = 0; first < count; first += 100) {
            List<Op> puts = new ArrayList<>();
            for (int i = first; i < Math.min(count, first + 100); i++) {
                String addr = "10.0." + (i / 250) + "." + (i % 250) + ":8082";
                expected.add(addr);
                puts.add(Op.put(bytes("/services/notificator/" + addr), bytes(naming(addr)), PutOption.DEFAULT));
            }
            etcd.client().getKVClient().txn().Then(puts.toArray(Op[]::new)).commit().get(5, TimeUnit.SECONDS);
        }
        long rangesBefore = etcd.member(0).grpcCalls("Range");

        assertEquals(expected, addresses());
        assertEquals(3, etcd.member(0).grpcCalls("Range") - rangesBefore, "pages of " + PrefixListing.PAGE);
    }

    /**
     * A client that takes in at most 64 KiB per answer: values of 30 KiB make pages of two or more too large (asked
     * for again, smaller), and a value of 100 KiB is too large alone (skipped by name); the instances are served.
     */
    @Test
    void skipsAValueLargerThanOneAnswerAndServesTheRest() throws Exception {
        discovery.close();
        discoveryClient.close();
        discoveryClient = Client.builder().endpoints(etcd.endpoints().split(",")).maxInboundMessageSize(64 << 10)
                .build();
        discovery = discoveryOf(LabelSelector.ALL);
        put("/services/notificator/a", naming("10.0.0.1:8082"));
        put("/services/notificator/b", "y".repeat(100 << 10));
        for (int i = 0; i < 5; i++) {
            put("/services/notificator/c-" + i, "x".repeat(30 << 10));
        }
        put("/services/notificator/d", naming("10.0.0.2:8082"));

        assertEquals(Set.of("10.0.0.1:8082", "10.0.0.2:8082"), addresses());
    }

    @Test
    void dropsAnInstanceWhenItsLeaseExpires() throws Exception {
        long lease = etcd.client().getLeaseClient().grant(2).get(5, TimeUnit.SECONDS).getID();
        etcd.client().getKVClient().put(bytes("/services/notificator/10.0.0.1:8082"), bytes(naming("10.0.0.1:8082")),
                PutOption.builder().withLeaseId(lease).build()).get(5, TimeUnit.SECONDS);
        assertEquals(Set.of("10.0.0.1:8082"), addresses());

        awaitAddresses(Set.of());
    }

    @Test
    void isLazyAndAnswersLookupsFromMemory() throws Exception {
        put("/services/notificator/10.0.0.1:8082", naming("10.0.0.1:8082"));
        long readsBefore = etcd.member(0).grpcCalls("Range");
        long watchesBefore = etcd.member(0).grpcCalls("Watch");
        Thread.sleep(300);
        assertEquals(readsBefore, etcd.member(0).grpcCalls("Range"), "contacted etcd before the first lookup");
        assertEquals(watchesBefore, etcd.member(0).grpcCalls("Watch"));

        lookup();
        long readsAfterFirst = etcd.member(0).grpcCalls("Range");
        assertEquals(readsBefore + 1, readsAfterFirst, "the first lookup lists the prefix once");
        for (int i = 0; i < 10_000; i++) {
            lookup();
        }

        assertEquals(readsAfterFirst, etcd.member(0).grpcCalls("Range"), "a lookup made an etcd request");
        assertEquals(watchesBefore + 1, etcd.member(0).grpcCalls("Watch"), "one watch stream, opened once");
    }

    @Test
    void servesTheLastKnownListWhileEtcdIsDownAndResyncsWhenItReturns() throws Exception {
        put("/services/notificator/10.0.0.1:8082", naming("10.0.0.1:8082"));
        put("/services/notificator/10.0.0.2:8082", naming("10.0.0.2:8082"));
        assertEquals(Set.of("10.0.0.1:8082", "10.0.0.2:8082"), addresses());

        etcd.member(0).kill();
        for (int i = 0; i < 20; i++) {
            assertEquals(Set.of("10.0.0.1:8082", "10.0.0.2:8082"), addresses());
            Thread.sleep(50);
        }
        etcd.member(0).start();
        delete("/services/notificator/10.0.0.1:8082");
        put("/services/notificator/10.0.0.3:8082", naming("10.0.0.3:8082"));

        awaitAddresses(Set.of("10.0.0.2:8082", "10.0.0.3:8082"));
        put("/services/notificator/10.0.0.4:8082", naming("10.0.0.4:8082"));
        awaitAddresses(Set.of("10.0.0.2:8082", "10.0.0.3:8082", "10.0.0.4:8082"));
    }

    /**
     * The member that holds the discovery's watch is cut off from its peers: without a leader it would serve the
     * watch on and never send another event (etcd#13822). The watch requires a leader, so it ends and is made again
     * on a member with one: an instance registered through the majority is listed within seconds.
     */
    @Test
    void anInstanceRegisteredThroughTheMajorityIsSeenWhileTheWatchedMemberIsPartitioned() throws Exception {
        etcd.close();
        discoveryClient.close();
        etcd = EtcdCluster.startPartitionable(3);
        discoveryClient = Client.builder().endpoints(etcd.endpoints().split(",")).build();
        discovery = discoveryOf(LabelSelector.ALL);
        put("/services/notificator/10.0.0.1:8082", naming("10.0.0.1:8082"));
        assertEquals(Set.of("10.0.0.1:8082"), addresses());
        EtcdMember watched = await().atMost(WAIT).until(() -> etcd.members().stream()
                .filter(member -> member.watchers() > 0).findFirst(), Optional::isPresent).orElseThrow();
        List<EtcdMember> majority = etcd.members().stream().filter(member -> member != watched).toList();

        long isolated = System.nanoTime();
        try (Partition partition = etcd.isolate(watched);
                Client healthy = Client.builder().endpoints(majority.stream().map(EtcdMember::clientUrl)
                        .toArray(String[]::new)).build()) {
            // the majority elects a leader among itself (if the isolated member led) and takes the write
            await().atMost(WAIT).ignoreExceptions().until(() -> healthy.getKVClient().put(
                    bytes("/services/notificator/10.0.0.2:8082"), bytes(naming("10.0.0.2:8082")))
                    .get(2, TimeUnit.SECONDS) != null);
            long start = System.nanoTime();
            await("the instance registered through the majority").atMost(Duration.ofSeconds(15))
                    .until(this::addresses, Predicate.isEqual(Set.of("10.0.0.1:8082", "10.0.0.2:8082")));
            System.out.printf("[partition] the watched member isolated: the new instance listed %d ms after it was "
                    + "written, %d ms after the isolation%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - isolated));
        }
    }

    /** Each restart breaks the prefix watch: it is listed and watched again once, never twice. */
    @Test
    void keepsOneWatchThroughEtcdRestarts() throws Exception {
        put("/services/notificator/10.0.0.1:8082", naming("10.0.0.1:8082"));
        assertEquals(Set.of("10.0.0.1:8082"), addresses());

        etcd.member(0).restartKeepingWatchers(5, 1);

        put("/services/notificator/10.0.0.2:8082", naming("10.0.0.2:8082"));
        awaitAddresses(Set.of("10.0.0.1:8082", "10.0.0.2:8082"));
    }

    /**
     * The discovery talks to one member of three; while that member is down, the others change the list and compact
     * the history, so the discovery cannot resume its watch where it stopped: it must list again.
     */
    @Test
    void catchesUpAfterChangesItMissedWereCompactedAway() throws Exception {
        etcd.close();
        discoveryClient.close();
        etcd = EtcdCluster.start(3);
        discoveryClient = Client.builder().endpoints(etcd.member(0).clientUrl()).build();
        discovery = discoveryOf(LabelSelector.ALL);
        Client others = Client.builder().endpoints(etcd.member(1).clientUrl(), etcd.member(2).clientUrl()).build();
        try {
            others.getKVClient().put(bytes("/services/notificator/a"), bytes(naming("10.0.0.1:8082")))
                    .get(5, TimeUnit.SECONDS);
            assertEquals(Set.of("10.0.0.1:8082"), addresses());

            etcd.member(0).kill();
            // if it was the leader, a write must wait for the election: /health is true once there is a leader
            etcd.member(1).awaitHealthy(Duration.ofSeconds(30));
            etcd.member(2).awaitHealthy(Duration.ofSeconds(30));
            others.getKVClient().delete(bytes("/services/notificator/a")).get(15, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                others.getKVClient().put(bytes("/services/notificator/b"), bytes(naming("10.0.0." + (10 + i) + ":1")))
                        .get(5, TimeUnit.SECONDS);
            }
            long revision = others.getKVClient().put(bytes("/services/notificator/c"), bytes(naming("10.0.0.3:1")))
                    .get(5, TimeUnit.SECONDS).getHeader().getRevision();
            others.getKVClient().compact(revision).get(5, TimeUnit.SECONDS);
            assertEquals(Set.of("10.0.0.1:8082"), addresses(), "serves the last-known list meanwhile");
            etcd.member(0).start();

            awaitAddresses(Set.of("10.0.0.29:1", "10.0.0.3:1"));
            others.getKVClient().put(bytes("/services/notificator/d"), bytes(naming("10.0.0.4:1")))
                    .get(5, TimeUnit.SECONDS);
            awaitAddresses(Set.of("10.0.0.29:1", "10.0.0.3:1", "10.0.0.4:1"));
        } finally {
            others.close();
        }
        assertTrue(etcd.member(0).isRunning());
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }
}
