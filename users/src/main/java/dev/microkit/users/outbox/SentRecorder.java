package dev.microkit.users.outbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.EtcdConfig;
import dev.microkit.users.store.SentWelcome;
import dev.microkit.users.store.StoreUnavailableException;
import dev.microkit.users.store.UserStore;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

/**
 * Records sent welcome emails in etcd in batches, off the request path: one transaction for up to
 * {@code outbox.record-batch} users, sent {@code outbox.record-delay} after the batch's first one (or at once when it is
 * full), instead of one transaction per user while the client waits. Until its batch is recorded, an email stays
 * claimed by this replica (its caller keeps it from the dispatcher); when recording fails, the outbox entry stays and
 * the email is sent again later under the same idempotency key, so nothing is lost. At shutdown the last batch is
 * recorded before etcd's client closes ({@link #flush}).
 */
@ApplicationScoped
public class SentRecorder {

    private static final Logger LOG = Logger.getLogger(SentRecorder.class);

    private final UserStore store;
    private final OutboxConfig config;
    private final Vertx vertx;
    private final Duration requestTimeout;
    /** Recordings that will run when their batch closes; guarded by this. */
    private Batch open;
    /** Stopping: every recording is written at once; guarded by this. */
    private boolean atOnce;
    /** Batches being written, so that shutdown can wait for them; guarded by this. */
    private final List<CompletableFuture<Void>> writing = new ArrayList<>();
    /** Recording fails: reported once, until a batch is recorded again. */
    private volatile boolean failing;
    /**
     * The recorder's own Vert.x context: batches are written from it, never from the context of the request that
     * happened to open them (which would make that request's trace the parent of the whole batch).
     */
    private volatile io.vertx.core.Context context;

    @Inject
    SentRecorder(UserStore store, OutboxConfig config, EtcdConfig etcd, Vertx vertx) {
        this.store = store;
        this.requestTimeout = etcd.requestTimeout();
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
    }

    /**
     * Records that a welcome email was sent.
     *
     * @return completes when it is recorded; fails when it could not be (the email is then still pending)
     */
    public Uni<Void> record(SentWelcome sent) {
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        Batch full = null;
        synchronized (this) {
            if (open == null) {
                Batch batch = new Batch();
                open = batch;
                context.runOnContext(ignored -> vertx.setTimer(Math.max(1, config.recordDelay().toMillis()),
                        timer -> close(batch)));
            }
            open.emails.add(sent);
            open.recorded.add(recorded);
            if (open.emails.size() >= config.recordBatch() || atOnce) {
                full = open;
                open = null; // the next one opens a new batch
            }
        }
        if (full != null) {
            Batch batch = full;
            context.runOnContext(ignored -> close(batch));
        }
        return Uni.createFrom().completionStage(recorded);
    }

    /** Writes {@code batch} unless it was written already (full before its delay was over). */
    private void close(Batch batch) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        synchronized (this) {
            if (batch.closed) {
                return;
            }
            batch.closed = true;
            if (open == batch) {
                open = null;
            }
            writing.add(written);
        }
        store.markSent(batch.emails).subscribe().with(ok -> {
            if (failing) {
                failing = false;
                LOG.info("Sent welcome emails are being recorded again");
            }
            batch.recorded.forEach(recorded -> recorded.complete(null));
            done(written);
        }, failure -> {
            if (!failing) {
                failing = true;
                LOG.warnf("Cannot record %d sent welcome email(s) (%s): they stay pending and are sent again later"
                        + " under the same idempotency key", batch.emails.size(),
                        failure instanceof StoreUnavailableException unavailable ? unavailable.detail()
                                : failure.getMessage());
            }
            batch.recorded.forEach(recorded -> recorded.completeExceptionally(failure));
            done(written);
        });
    }

    private synchronized void done(CompletableFuture<Void> written) {
        writing.remove(written);
        written.complete(null);
    }

    /** From now on each recording is written at once, the open batch now: the replica is stopping. */
    void writeAtOnce() {
        Batch last;
        synchronized (this) {
            atOnce = true;
            last = open;
        }
        if (last != null) {
            context.runOnContext(ignored -> close(last));
        }
    }

    /**
     * Writes the open batch now and waits for every batch being written (at most the etcd request timeout); called
     * at shutdown by {@link WelcomeDispatcher#drain}, once the emails being sent are sent.
     */
    void flush() {
        Batch last;
        synchronized (this) {
            last = open;
        }
        if (last != null) {
            close(last);
        }
        CompletableFuture<?>[] pending;
        synchronized (this) {
            pending = writing.toArray(CompletableFuture[]::new);
        }
        try {
            CompletableFuture.allOf(pending).get(requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debugf("Stopped before every sent welcome email was recorded: %s", e.toString());
        }
    }

    /** Emails recorded together, and who waits for it. */
    private static final class Batch {
        final List<SentWelcome> emails = new ArrayList<>();
        final List<CompletableFuture<Void>> recorded = new ArrayList<>();
        boolean closed; // guarded by the recorder
    }
}
