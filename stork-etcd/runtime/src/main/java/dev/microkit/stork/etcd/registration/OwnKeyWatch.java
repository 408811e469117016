package dev.microkit.stork.etcd.registration;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.EtcdErrors;
import dev.microkit.stork.etcd.WatcherSlot;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Watches this instance's own key while one lease holds it, and puts the key back on that lease when someone deletes
 * it (by hand, or an operator's mistaken {@code etcdctl del --prefix}): the lease still lives, so nothing else would
 * bring the key back before the lease is lost. A broken watch (etcd restarted, compaction, no leader; jetcd does not
 * resume every one: it closes a compaction-cancelled watcher by design, jetcd#950/#951) is started again after
 * reading the key, which is put back if it went missing meanwhile. The watch requires a leader: on a member cut off
 * from its peers it ends, instead of going silent (etcd#13822, jetcd#1055), and is started again, on a member that
 * has one.
 * <p>
 * jetcd is never called in one of its own callbacks with a lock held, and watchers are closed on a worker thread:
 * closing one takes jetcd's lock.
 */
final class OwnKeyWatch {

    private static final Logger LOG = Logger.getLogger(OwnKeyWatch.class);

    private final Client etcd;
    private final String key;
    private final ByteSequence keyBytes;
    private final ByteSequence valueBytes;
    private final long leaseId;
    private final Duration retry;
    private final Consumer<String> leaseLost;
    private final WatcherSlot watch = new WatcherSlot();

    /**
     * @param leaseLost told why, when a put back finds that the lease is gone: the registrar then registers anew
     */
    OwnKeyWatch(Client etcd, String key, ByteSequence keyBytes, ByteSequence valueBytes, long leaseId, Duration retry,
            Consumer<String> leaseLost) {
        this.etcd = etcd;
        this.key = key;
        this.keyBytes = keyBytes;
        this.valueBytes = valueBytes;
        this.leaseId = leaseId;
        this.retry = retry;
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
        Watch.Watcher started = etcd.getWatchClient().watch(keyBytes, fromRevision, Watch.listener(
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
                putBack("was deleted", put -> {
                }, breaks);
                return;
            }
        }
    }

    /**
     * Puts the key back on the lease; a lost lease is reported to the registrar, any other failure to
     * {@code failed}.
     */
    private void putBack(String what, Consumer<PutResponse> done, Consumer<Throwable> failed) {
        etcd.getKVClient().put(keyBytes, valueBytes, PutOption.builder().withLeaseId(leaseId).build())
                .whenComplete((put, failure) -> {
                    if (failure == null) {
                        LOG.warnf("Registration key %s %s while lease %x lives; put it back", key, what, leaseId);
                        done.accept(put);
                    } else if (EtcdErrors.isLeaseNotFound(failure)) {
                        leaseLost.accept("lease not found when putting the deleted key back");
                    } else {
                        failed.accept(failure);
                    }
                });
    }

    /** Closes the broken watcher and watches again after a pause. */
    private void onBroken(Throwable failure) {
        if (!watch.closeCurrent(Infrastructure.getDefaultWorkerPool())) {
            return;
        }
        retryLater(failure);
    }

    private void retryLater(Throwable failure) {
        LOG.debugf("Watch on own key %s broken, watching again in %s: %s", key, retry, failure);
        Infrastructure.getDefaultWorkerPool().schedule(this::watchAgain, retry.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Reads the key, puts it back if it went missing while the watch was broken, and watches from after what it read
     * or wrote; any failure on the way tries all of it again later: one chain of retries, one watcher at its end.
     */
    private void watchAgain() {
        if (watch.ended()) {
            return;
        }
        etcd.getKVClient().get(keyBytes).whenComplete((read, readFailure) -> {
            if (readFailure != null) {
                retryLater(readFailure);
            } else if (read.getKvs().isEmpty()) {
                putBack("went missing while the watch was broken",
                        put -> watchFrom(put.getHeader().getRevision() + 1), this::retryLater);
            } else {
                watchFrom(read.getHeader().getRevision() + 1);
            }
        });
    }

    /** On a worker thread: this runs in a jetcd callback, where jetcd must not be called. */
    private void watchFrom(long revision) {
        Infrastructure.getDefaultWorkerPool().execute(() -> start(revision));
    }
}
