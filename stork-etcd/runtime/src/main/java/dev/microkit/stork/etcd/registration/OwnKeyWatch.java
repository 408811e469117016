package dev.microkit.stork.etcd.registration;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.EtcdCall;
import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.WatcherSlot;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Watches this instance's own key while one lease holds it, and puts the key back on that lease when someone deletes
 * it (by hand, or an operator's mistaken {@code etcdctl del --prefix}): the lease still lives, so nothing else would
 * bring the key back before the lease is lost. A broken watch (etcd restarted, compaction, no leader; jetcd does not
 * resume every one: it closes a compaction-cancelled watcher by design, jetcd#950/#951) is started again after
 * reading the key, which is put back if it went missing meanwhile; while that fails, it is tried again with the
 * registration's back-off. The watch requires a leader: on a member cut off
 * from its peers it ends, instead of going silent (etcd#13822, jetcd#1055), and is started again, on a member that
 * has one.
 * <p>
 * jetcd is never called in one of its own callbacks with a lock held, and watchers are closed on a worker thread:
 * closing one takes jetcd's lock.
 */
final class OwnKeyWatch {

    private static final Logger LOG = Logger.getLogger(OwnKeyWatch.class);
    private static final String LEASE_GONE = "lease not found when putting the deleted key back";

    private final Client etcd;
    private final EtcdRegistrarSettings settings;
    private final RegistryEntry entry;
    private final long leaseId;
    private final Consumer<String> leaseLost;
    private final WatcherSlot watch = new WatcherSlot();

    /**
     * @param leaseLost told why, when a put back finds that the lease is gone: the registrar then registers anew
     */
    OwnKeyWatch(Client etcd, EtcdRegistrarSettings settings, RegistryEntry entry, long leaseId,
            Consumer<String> leaseLost) {
        this.etcd = etcd;
        this.settings = settings;
        this.entry = entry;
        this.leaseId = leaseId;
        this.leaseLost = leaseLost;
    }

    /**
     * Watches from {@code revision}: the one after the put, so that a delete right after it is seen too. jetcd may
     * report one break twice (an error, then a completion when the broken watcher is closed): each watcher breaks
     * once, so a break starts one new watcher, never two (two made the watchers double at every etcd restart).
     */
    void start(long revision) {
        AtomicBoolean broken = new AtomicBoolean();
        Consumer<Throwable> breaks = failure -> {
            if (broken.compareAndSet(false, true)) {
                onBroken(failure);
            }
        };
        WatchOption fromRevision = WatchOption.builder().withRevision(revision).withRequireLeader(true).build();
        Watch.Watcher started = etcd.getWatchClient().watch(entry.keyBytes(), fromRevision, Watch.listener(
                response -> onEvents(response, breaks), breaks::accept,
                () -> breaks.accept(new IllegalStateException("watch completed"))));
        if (!watch.keep(started)) {
            Infrastructure.getDefaultWorkerPool().execute(started::close);
        }
    }

    /** Stops watching; the key is left as it is. Safe to call from a jetcd callback. */
    void close() {
        watch.end(Infrastructure.getDefaultWorkerPool());
    }

    private void onEvents(WatchResponse response, Consumer<Throwable> breaks) {
        for (WatchEvent event : response.getEvents()) {
            if (event.getEventType() == WatchEvent.EventType.DELETE && !watch.ended()) {
                putBack("was deleted").subscribe().with(put -> {
                }, failure -> {
                    if (EtcdErrors.isLeaseNotFound(failure)) {
                        leaseLost.accept(LEASE_GONE);
                    } else {
                        breaks.accept(failure); // watching again reads the key and puts it back if still missing
                    }
                });
                return;
            }
        }
    }

    /** Puts the key back on the lease. */
    private Uni<PutResponse> putBack(String what) {
        return EtcdCall.inBackground(settings.requestTimeout(), () -> entry.putOn(etcd, leaseId))
                .invoke(put -> LOG.warnf("Registration key %s %s while lease %x lives; put it back", entry.key(),
                        what, leaseId));
    }

    /**
     * Closes the broken watcher; reads the key, puts it back if it went missing while the watch was broken, and
     * watches from after what it read or wrote. Any failure on the way tries all of it again, with back-off: one chain
     * of retries, one watcher at its end. A lost lease ends it, told to the registrar.
     */
    private void onBroken(Throwable failure) {
        if (!watch.closeCurrent(Infrastructure.getDefaultWorkerPool())) {
            return;
        }
        LOG.debugf("Watch on own key %s broken, watching again: %s", entry.key(), failure);
        Uni.createFrom().deferred(this::revisionToWatchFrom)
                .onFailure(again -> !EtcdErrors.isLeaseNotFound(again) && !watch.ended())
                .invoke(again -> LOG.debugf("Cannot watch own key %s yet, retrying: %s", entry.key(), again))
                .onFailure(again -> !EtcdErrors.isLeaseNotFound(again) && !watch.ended()).retry()
                .withBackOff(settings.retryInitialBackoff(), settings.retryMaxBackoff()).indefinitely()
                .subscribe().with(revision -> {
                    if (revision != null) {
                        watchFrom(revision);
                    }
                }, ended -> {
                    if (EtcdErrors.isLeaseNotFound(ended)) {
                        leaseLost.accept(LEASE_GONE);
                    }
                });
    }

    /** The revision after the key as it is now, put back if missing; null once the watch ended. */
    private Uni<Long> revisionToWatchFrom() {
        if (watch.ended()) {
            return Uni.createFrom().nullItem();
        }
        return EtcdCall.inBackground(settings.requestTimeout(), () -> etcd.getKVClient().get(entry.keyBytes()))
                .chain(read -> read.getKvs().isEmpty()
                        ? putBack("went missing while the watch was broken").map(put -> put.getHeader().getRevision())
                        : Uni.createFrom().item(read.getHeader().getRevision()))
                .map(revision -> revision + 1);
    }

    /** On a worker thread: this runs in a jetcd callback, where jetcd must not be called. */
    private void watchFrom(long revision) {
        Infrastructure.getDefaultWorkerPool().execute(() -> start(revision));
    }
}
