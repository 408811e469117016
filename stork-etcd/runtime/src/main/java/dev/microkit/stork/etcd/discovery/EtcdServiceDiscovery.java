package dev.microkit.stork.etcd.discovery;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import dev.microkit.stork.etcd.CallerContext;
import dev.microkit.stork.etcd.EtcdEndpointValue;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.EtcdMetadataKey;
import dev.microkit.stork.etcd.LastEtcdFailure;
import dev.microkit.stork.etcd.WatcherSlot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.stork.api.Metadata;
import io.smallrye.stork.api.ServiceDiscovery;
import io.smallrye.stork.api.ServiceInstance;
import io.smallrye.stork.impl.DefaultServiceInstance;

/**
 * The instances of one service, as registered under {@code <prefix><service>/} in etcd, kept in memory by a watch.
 * <ul>
 * <li>Lazy: the first lookup lists the prefix and watches it from the next revision; nothing touches etcd before.</li>
 * <li>Every later lookup is answered from memory: no etcd request per call.</li>
 * <li>Watch broken (etcd restarted, network, compaction): the last-known list keeps being served while it lists the
 * prefix again and watches from the new revision, with capped backoff, until it succeeds.</li>
 * <li>The watch requires a leader: on a member cut off from its peers (a partition) it ends instead of going silent
 * (etcd#13822, jetcd#1055), and the list is read and watched again, on a member that has one.</li>
 * <li>Instance ids stay the same for as long as an address stays listed.</li>
 * <li>A value that is not an address is skipped, with one warning naming its key; so is one too large to read. A
 * listing is read a page at a time ({@link PrefixListing}), so that junk under the prefix cannot make it larger than
 * one answer may carry.</li>
 * </ul>
 * jetcd calls back on its own event loop; nothing here blocks there. Re-syncs run on Mutiny's worker pool.
 */
public final class EtcdServiceDiscovery implements ServiceDiscovery {

    private static final Logger LOG = Logger.getLogger(EtcdServiceDiscovery.class);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String serviceName;
    private final String prefix;
    private final ByteSequence prefixBytes;
    private final Client etcd;
    private final PrefixListing listing;
    private final ObjectMapper json;
    private final LabelSelector selector;
    private final LastEtcdFailure lastFailure;
    private final Counter resyncs;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}: the instances by etcd key. */
    private final Map<String, ServiceInstance> byKey = new TreeMap<>();
    /** Guarded by {@link #lock}: ids of listed addresses, kept while an address stays listed. */
    private final Map<String, Long> idsByAddress = new HashMap<>();
    /** Guarded by {@link #lock}: keys of well-formed instances the selector does not keep. */
    private final Set<String> unmatched = new HashSet<>();
    /** Guarded by {@link #lock}: that none of the listed instances matches was said, and still holds. */
    private boolean noneMatchReported;
    /** Guarded by {@link #lock}: keys whose malformed value was reported. */
    private final Set<String> reportedKeys = new HashSet<>();
    /** Guarded by {@link #lock}. */
    private long nextId = 1;
    /** Guarded by {@link #lock}: the first listing, while it runs or once it failed. */
    private CompletableFuture<Void> firstSync;
    private final WatcherSlot watch = new WatcherSlot();
    /** Guarded by {@link #lock}: events of older watches are ignored. */
    private long generation;
    /** Guarded by {@link #lock}: a broken watch is reported once, not at every retry. */
    private boolean brokenReported;

    private volatile List<ServiceInstance> instances = List.of();
    private volatile boolean synced;

    EtcdServiceDiscovery(String serviceName, String prefix, LabelSelector selector, Client etcd,
            LastEtcdFailure lastFailure, ObjectMapper json, Duration requestTimeout, MeterRegistry meters) {
        this.selector = selector;
        this.lastFailure = lastFailure;
        Gauge.builder("stork.etcd.instances", this, discovery -> discovery.instances.size()).tag("service", serviceName)
                .description("instances the etcd discovery knows (listed, well-formed, one per address)")
                .register(meters);
        this.resyncs = Counter.builder("stork.etcd.watch.resyncs").tag("service", serviceName)
                .description("broken watches, each followed by a new listing and watch").register(meters);
        this.serviceName = serviceName;
        this.prefix = prefix + serviceName + "/";
        this.prefixBytes = ByteSequence.from(this.prefix, UTF_8);
        this.etcd = etcd;
        this.listing = new PrefixListing(etcd.getKVClient(), prefixBytes, requestTimeout);
        this.json = json;
    }

    @Override
    public Uni<List<ServiceInstance>> getServiceInstances() {
        if (synced) {
            return Uni.createFrom().item(instances);
        }
        return CallerContext.backOnCaller(Uni.createFrom().completionStage(this::firstSync))
                .replaceWith(() -> instances)
                .onFailure().transform(failure -> new IllegalStateException("cannot list " + prefix + " in etcd: "
                        + EtcdErrors.describe(failure, lastFailure), failure));
    }

    /** The instances known now, or empty before the first lookup listed them. */
    public Optional<List<ServiceInstance>> knownInstances() {
        return synced ? Optional.of(instances) : Optional.empty();
    }

    /** Which instances it keeps ({@link LabelSelector#ALL} unless the {@code selector} attribute says otherwise). */
    public LabelSelector selector() {
        return selector;
    }

    /** Well-formed instances listed now that the selector leaves out. */
    public int unmatched() {
        synchronized (lock) {
            return unmatched.size();
        }
    }

    /** The key prefix watched, e.g. {@code /services/notificator/}. */
    public String prefix() {
        return prefix;
    }

    void close() {
        watch.end(Runnable::run);
        synchronized (lock) {
            generation++;
        }
    }

    private CompletableFuture<Void> firstSync() {
        synchronized (lock) {
            if (firstSync == null || firstSync.isCompletedExceptionally()) {
                firstSync = sync();
            }
            return firstSync;
        }
    }

    /**
     * Lists the prefix ({@link PrefixListing}: a page at a time), replaces the whole list with it, and watches from the
     * next revision. The last-known list is served until the listing is complete. jetcd is never called while
     * {@link #lock} is held: jetcd calls back into this class while holding its own lock.
     */
    private CompletableFuture<Void> sync() {
        synchronized (lock) {
            byKey.clear();
            unmatched.clear();
        }
        return listing.read(new PrefixListing.Pages() {
            @Override
            public void page(List<KeyValue> keyValues) {
                synchronized (lock) {
                    keyValues.forEach(EtcdServiceDiscovery.this::apply);
                }
            }

            @Override
            public void tooLarge(String key) {
                synchronized (lock) {
                    skip(key, "larger than one answer of etcd may carry");
                }
            }
        }).thenAccept(this::publishAndWatch);
    }

    /** Serves the listing of revision {@code listed}, and watches the changes after it. */
    private void publishAndWatch(long listed) {
        long revision = listed + 1;
        long watchGeneration;
        synchronized (lock) {
            if (watch.ended()) {
                return;
            }
            publish();
            watchGeneration = ++generation;
            String kept = selector.keepsAll() ? ""
                    : " matching '" + selector + "' (" + unmatched.size() + " more listed)";
            if (brokenReported) {
                LOG.infof("Watching %s again: %d instance(s) of %s%s", prefix, instances.size(), serviceName, kept);
            } else {
                LOG.infof("Watching %s from revision %d: %d instance(s) of %s%s", prefix, revision, instances.size(),
                        serviceName, kept);
            }
            brokenReported = false;
        }
        Watch.Watcher started = etcd.getWatchClient().watch(prefixBytes,
                WatchOption.builder().isPrefix(true).withRevision(revision).withRequireLeader(true).build(),
                Watch.listener(response -> onEvents(watchGeneration, response),
                        failure -> onBroken(watchGeneration, failure),
                        () -> onBroken(watchGeneration, new IllegalStateException("watch completed"))));
        boolean current;
        synchronized (lock) {
            current = watchGeneration == generation && watch.keep(started);
        }
        if (!current) {
            started.close();
        }
        synced = true;
    }

    private void onEvents(long watchGeneration, WatchResponse response) {
        synchronized (lock) {
            if (watchGeneration != generation) {
                return;
            }
            for (WatchEvent event : response.getEvents()) {
                switch (event.getEventType()) {
                    case PUT -> apply(event.getKeyValue());
                    case DELETE -> remove(event.getKeyValue().getKey().toString(UTF_8));
                    default -> LOG.debugf("Ignoring %s event on %s", event.getEventType(), prefix);
                }
            }
            publish();
        }
    }

    /**
     * jetcd resumes some broken watches by itself but not all (not after compaction, nor after "no leader"): in
     * every case, close it and list again, which also catches up on whatever happened meanwhile.
     */
    private void onBroken(long watchGeneration, Throwable failure) {
        synchronized (lock) {
            if (watchGeneration != generation || watch.ended()) {
                return;
            }
            generation++;
            resyncs.increment();
            if (!brokenReported) {
                LOG.warnf("Watch on %s broken (%s); serving the last-known %d instance(s) while re-syncing", prefix,
                        EtcdErrors.describe(failure), instances.size());
                brokenReported = true;
            }
        }
        Infrastructure.getDefaultWorkerPool().execute(this::resync);
    }

    /**
     * Lists and watches again until that succeeds or discovery ends, with Mutiny's back-off. Each try runs on a worker
     * thread (the first as called, the others as Mutiny schedules them), never in a jetcd callback: closing a watcher
     * takes jetcd's lock.
     */
    private void resync() {
        Uni.createFrom().deferred(() -> watch.closeCurrent(Runnable::run)
                ? Uni.createFrom().completionStage(this::sync)
                : Uni.createFrom().voidItem())
                .onFailure().invoke(failure -> LOG.debugf("Re-sync of %s failed, retrying: %s", prefix,
                        EtcdErrors.describe(failure, lastFailure)))
                .onFailure().retry().withBackOff(MIN_BACKOFF, MAX_BACKOFF).indefinitely()
                .subscribe().with(synced -> {
                }, failure -> LOG.debugf("Re-sync of %s ended: %s", prefix, failure));
    }

    /** Guarded by {@link #lock}. */
    private void apply(KeyValue kv) {
        String key = kv.getKey().toString(UTF_8);
        EtcdEndpointValue endpoint;
        try {
            endpoint = EtcdEndpointValue.parse(kv.getValue().toString(UTF_8), json);
        } catch (IllegalArgumentException e) {
            skip(key, e.getMessage());
            return;
        }
        reportedKeys.remove(key);
        if (!selector.matches(endpoint.labels())) {
            byKey.remove(key);
            unmatched.add(key);
            return;
        }
        unmatched.remove(key);
        // An address that turns to TLS or back is a new instance: its channel must be a new one too.
        long id = idsByAddress.computeIfAbsent(endpoint.address() + (endpoint.secure() ? " tls" : ""),
                address -> nextId++);
        Metadata<EtcdMetadataKey> metadata = Metadata.of(EtcdMetadataKey.class)
                .with(EtcdMetadataKey.META_ETCD_KEY, key).with(EtcdMetadataKey.META_ETCD_LABELS, endpoint.labels());
        if (endpoint.metadata() != null) {
            metadata = metadata.with(EtcdMetadataKey.META_ETCD_METADATA, endpoint.metadata());
        }
        byKey.put(key, new DefaultServiceInstance(id, endpoint.host(), endpoint.port(), endpoint.secure(),
                endpoint.labels(),
                metadata));
    }

    /** Guarded by {@link #lock}: a key whose value is not an instance, reported once for as long as it stays so. */
    private void skip(String key, String why) {
        if (reportedKeys.add(key)) {
            LOG.warnf("Skipping etcd key %s: its value is %s", key, why);
        }
        byKey.remove(key);
        unmatched.remove(key);
    }

    /** Guarded by {@link #lock}. */
    private void remove(String key) {
        byKey.remove(key);
        reportedKeys.remove(key);
        unmatched.remove(key);
    }

    /** Guarded by {@link #lock}: one instance per address (two writers may list the same one), ordered by key. */
    private void publish() {
        Map<Long, ServiceInstance> byId = new HashMap<>();
        List<ServiceInstance> list = new ArrayList<>();
        for (ServiceInstance instance : byKey.values()) {
            if (byId.putIfAbsent(instance.getId(), instance) == null) {
                list.add(instance);
            }
        }
        idsByAddress.values().retainAll(byId.keySet());
        list.sort(Comparator.comparingLong(ServiceInstance::getId));
        instances = List.copyOf(list);
        if (list.isEmpty() && !unmatched.isEmpty()) {
            if (!noneMatchReported) {
                LOG.warnf("None of the %d instance(s) of %s listed under %s matches selector '%s': calls to %s fail "
                        + "until one does", unmatched.size(), serviceName, prefix, selector, serviceName);
                noneMatchReported = true;
            }
        } else {
            noneMatchReported = false;
        }
    }
}
