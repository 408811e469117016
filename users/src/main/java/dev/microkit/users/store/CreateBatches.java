package dev.microkit.users.store;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import javax.net.ssl.SSLException;

import org.jboss.logging.Logger;

import dev.microkit.stork.etcd.Causes;
import dev.microkit.stork.etcd.EtcdCall;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.vertx.core.Vertx;

/**
 * Creates users in as few etcd transactions as the load allows (etcd spends most of a small transaction on the
 * request itself: its gRPC call, its raft entry, its apply). At most {@code store.create-transactions} are in flight
 * at a time; users that come meanwhile queue (as many as {@code create.max-in-progress} lets in), and the next
 * transaction takes every queued one, up to {@code store.create-batch}. No timer: a request that finds the way free is
 * written at once, alone.
 * <p>
 * A batch is written in one transaction if every user's unique keys (its email's, its idempotency key's) are free,
 * the common case and the cheapest for etcd; if one is taken, the batch goes again at once as one transaction of a
 * nested transaction per user, which writes each user whose keys are free and reads the keys of the others. So a
 * taken email costs its batch one round trip more, and only its own request a refusal: the users beside it are
 * written all the same. Two users with a unique key in common never share a batch (etcd refuses a transaction that
 * writes a key twice): the later waits for the next, where it finds the key taken.
 * <p>
 * Every answer is true. A user still queued when its deadline passes was never sent: it fails with a
 * {@link TimeoutException}, nothing stored. A user whose transaction is in flight at its deadline, or failed in a way
 * that does not say whether etcd applied it, fails with {@link CreateOutcomeUnknownException}; its transaction is
 * still awaited (its slot stays taken until the gRPC call ends, by the deadline every etcd call has) and what became
 * of it is logged. A transaction that failed before reaching etcd, or without being applied, is written again for the
 * users whose deadline has not passed: it is idempotent, since a user whose email key already holds its own id (or
 * whose idempotency key holds its request) was written by an earlier attempt.
 */
final class CreateBatches {

    private static final Logger LOG = Logger.getLogger(CreateBatches.class);
    private static final long RETRY_PAUSE_MILLIS = 100;
    /** Operations etcd takes in one transaction ({@code --max-txn-ops}, 128 by default): a batch's writes at most. */
    private static final int MAX_TXN_OPS = 128;
    /**
     * A user with less time left is not sent: etcd's answer would most likely come after its deadline, which would
     * then have to say "unknown" where, never sent, it can say "nothing stored".
     */
    private static final long MIN_TIME_LEFT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * One user to create: the keys that must be free, its writes, what it is when written, and what it is when a key
     * is taken, from the keys' values in the same order (null: free).
     */
    private static final class Creation<T> {
        final List<ByteSequence> uniqueKeys;
        final List<Op> writes;
        final T written;
        final Function<List<ByteSequence>, T> refused;
        final long deadline;
        final CompletableFuture<T> outcome = new CompletableFuture<>();
        /** Guarded by the batches: in a transaction in flight now. */
        boolean inFlight;
        /** Guarded by the batches: in a transaction etcd may have applied, whose answer was lost. */
        boolean maybeStored;

        Creation(List<ByteSequence> uniqueKeys, List<Op> writes, T written, Function<List<ByteSequence>, T> refused,
                long deadline) {
            this.uniqueKeys = uniqueKeys;
            this.writes = writes;
            this.written = written;
            this.refused = refused;
            this.deadline = deadline;
        }

        /** The user's own transaction, made by {@code txn}: its writes if its keys are free, else a read of each. */
        <R> R txn(Transaction<R> txn) {
            Cmp[] free = uniqueKeys.stream().map(Creation::free).toArray(Cmp[]::new);
            Op[] reads = uniqueKeys.stream().map(key -> Op.get(key, GetOption.DEFAULT)).toArray(Op[]::new);
            return txn.of(free, writes.toArray(Op[]::new), reads);
        }

        /** {@code key} is free: it has no version. */
        static Cmp free(ByteSequence key) {
            return new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0));
        }

        void settle(TxnResponse response) {
            if (response.isSucceeded()) {
                outcome.complete(written);
                return;
            }
            List<ByteSequence> values = new ArrayList<>();
            for (GetResponse read : response.getGetResponses()) {
                List<KeyValue> kvs = read.getKvs();
                values.add(kvs.isEmpty() ? null : kvs.get(0).getValue());
            }
            try {
                outcome.complete(refused.apply(values));
            } catch (RuntimeException e) { // an unreadable value: this user's failure, not the batch's
                outcome.completeExceptionally(e);
            }
        }
    }

    /** A transaction made of its compares, its operations if they hold, and if not. */
    private interface Transaction<R> {
        R of(Cmp[] compares, Op[] then, Op[] otherwise);
    }

    private final KV kv;
    /**
     * Each user's deadline is a timer on the event loop that asked for it: no thread is woken for it, where
     * {@code CompletableFuture.orTimeout} woke a scheduler thread per user (natively, JDK 25's {@code DelayScheduler}:
     * 1.17 wakeups and 13 µs of CPU per /create under load; without them users' CPU per /create is 0.85-0.93x;
     * deploy/README.md).
     */
    private final Vertx vertx;
    private final int maxBatch;
    private final int maxTransactions;
    private final Duration timeout;
    private final ArrayDeque<Creation<?>> queue = new ArrayDeque<>(); // guarded by this
    private int transactions; // in flight, or pausing before the next attempt; guarded by this

    CreateBatches(KV kv, Vertx vertx, StoreConfig config, Duration timeout) {
        this.kv = kv;
        this.vertx = vertx;
        this.maxBatch = config.createBatch();
        this.maxTransactions = config.createTransactions();
        this.timeout = timeout;
    }

    /**
     * @param uniqueKeys keys that must be free, the email's first
     * @param writes     every write of the user, the unique keys' included
     * @param written    the outcome once the user is written
     * @param refused    the outcome when a unique key is taken, from the keys' values (null: free)
     * @return the outcome; or a failure: a {@link TimeoutException} (nothing was stored),
     *         {@link CreateOutcomeUnknownException}, or what etcd answered
     */
    <T> CompletableFuture<T> create(List<ByteSequence> uniqueKeys, List<Op> writes, T written,
            Function<List<ByteSequence>, T> refused) {
        Creation<T> creation = new Creation<>(uniqueKeys, writes, written, refused,
                System.nanoTime() + timeout.toNanos());
        boolean write;
        synchronized (this) {
            queue.add(creation);
            write = transactions < maxTransactions;
            if (write) {
                transactions++;
            }
        }
        long deadline = vertx.setTimer(Math.max(1, timeout.toMillis()), fired -> {
            if (!creation.outcome.isDone()) {
                creation.outcome.completeExceptionally(late(creation));
            }
        });
        // the caller's own stage: cancelling it (a request given up) does not settle the user
        CompletableFuture<T> answer = creation.outcome.whenComplete((outcome, failure) -> vertx.cancelTimer(deadline));
        if (write) {
            writeNext(List.of());
        }
        return answer;
    }

    /** Its deadline passed: what the caller is told, depending on whether etcd may have stored the user. */
    private synchronized Throwable late(Creation<?> creation) {
        queue.remove(creation);
        return creation.inFlight || creation.maybeStored ? new CreateOutcomeUnknownException(timeout)
                : new TimeoutException();
    }

    /** Writes the next batch, {@code again} first, on the transaction slot of its caller; frees it if none waits. */
    private void writeNext(List<Creation<?>> again) {
        List<Creation<?>> batch = new ArrayList<>();
        synchronized (this) {
            for (int i = again.size() - 1; i >= 0; i--) {
                queue.addFirst(again.get(i));
            }
            Set<ByteSequence> keys = new HashSet<>();
            int ops = 0;
            long now = System.nanoTime();
            for (Iterator<Creation<?>> waiting = queue.iterator(); waiting.hasNext() && batch.size() < maxBatch;) {
                Creation<?> creation = waiting.next();
                if (creation.outcome.isDone()) { // its deadline passed: answered already
                    waiting.remove();
                } else if (creation.deadline - now >= MIN_TIME_LEFT_NANOS && ops + creation.writes.size() <= MAX_TXN_OPS
                        && creation.uniqueKeys.stream().noneMatch(keys::contains)) {
                    keys.addAll(creation.uniqueKeys);
                    ops += creation.writes.size();
                    waiting.remove();
                    creation.inFlight = true;
                    batch.add(creation);
                }
            }
            if (batch.isEmpty()) {
                transactions--;
            }
        }
        if (!batch.isEmpty()) {
            write(batch, false);
        }
    }

    /**
     * Writes a batch: one user alone in a transaction of its own; several in one transaction that writes them all if
     * every unique key is free, the common case and the cheapest for etcd, and else, at once, in one transaction of
     * a nested transaction per user, which settles each (a taken email costs its batch one round trip more, never
     * more than that).
     * <p>
     * Not through {@code EtcdCall}: its deadline only stops waiting, while the slot must stay taken until the gRPC
     * call ends, which the deadline every etcd call has ({@code EtcdCallDeadline}) ensures.
     */
    private void write(List<Creation<?>> batch, boolean each) {
        commit(batch, each).whenComplete((response, failure) -> {
            if (failure != null) {
                List<Creation<?>> again = failed(batch, failure);
                if (again.isEmpty()) {
                    writeNext(List.of());
                } else { // etcd refused or is unreachable: try again soon, still holding the slot
                    CompletableFuture.delayedExecutor(RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS)
                            .execute(() -> writeNext(again));
                }
            } else if (batch.size() == 1) {
                settle(batch, List.of(response), response);
                writeNext(List.of());
            } else if (each) {
                settle(batch, response.getTxnResponses(), response);
                writeNext(List.of());
            } else if (response.isSucceeded()) {
                settle(batch, batch.stream().map(creation -> response).toList(), response);
                writeNext(List.of());
            } else {
                write(batch, true);
            }
        });
    }

    private CompletableFuture<TxnResponse> commit(List<Creation<?>> batch, boolean each) {
        try {
            if (batch.size() == 1) {
                return batch.get(0).txn((free, writes, reads) -> kv.txn().If(free).Then(writes).Else(reads)).commit();
            }
            if (each) {
                return kv.txn().Then(batch.stream().map(creation -> creation.txn(Op::txn)).toArray(Op[]::new))
                        .commit();
            }
            Cmp[] free = batch.stream().flatMap(creation -> creation.uniqueKeys.stream()).map(Creation::free)
                    .toArray(Cmp[]::new);
            return kv.txn().If(free).Then(batch.stream().flatMap(creation -> creation.writes.stream())
                    .toArray(Op[]::new)).commit();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** @param answers each user's answer, in order; {@code response} the whole transaction's */
    private void settle(List<Creation<?>> batch, List<TxnResponse> answers, TxnResponse response) {
        int late = 0;
        synchronized (this) {
            batch.forEach(creation -> creation.inFlight = false);
        }
        for (int i = 0; i < batch.size(); i++) {
            Creation<?> creation = batch.get(i);
            if (creation.outcome.isDone()) {
                late++;
            }
            creation.settle(answers.get(i));
        }
        if (late > 0) {
            LOG.infof("A create transaction answered after %d of its %d users were told its outcome is unknown; "
                    + "it was applied (revision %d)", late, batch.size(), response.getHeader().getRevision());
        }
    }

    /**
     * @return the users to write again: their deadline has not passed, and the failure allows another attempt (it is
     *         idempotent); the others are told the failure, or that the outcome is unknown
     */
    private List<Creation<?>> failed(List<Creation<?>> batch, Throwable failure) {
        Status.Code code = Status.fromThrowable(failure).getCode();
        boolean retry = EtcdCall.refused(failure) || code == Status.Code.DEADLINE_EXCEEDED;
        boolean maybeApplied = mayHaveBeenApplied(code, failure);
        List<Creation<?>> again = new ArrayList<>();
        List<Creation<?>> unknown = new ArrayList<>();
        List<Creation<?>> notStored = new ArrayList<>();
        int late = 0;
        long now = System.nanoTime();
        synchronized (this) {
            for (Creation<?> creation : batch) {
                creation.inFlight = false;
                creation.maybeStored |= maybeApplied;
                if (creation.outcome.isDone()) {
                    late++;
                } else if (retry && creation.deadline - now
                        >= TimeUnit.MILLISECONDS.toNanos(RETRY_PAUSE_MILLIS) + MIN_TIME_LEFT_NANOS) {
                    again.add(creation);
                } else {
                    (creation.maybeStored ? unknown : notStored).add(creation);
                }
            }
        }
        if (late > 0) {
            LOG.infof("A create transaction failed after %d of its %d users were told its outcome is unknown: %s",
                    late, batch.size(), code);
        }
        unknown.forEach(creation -> creation.outcome.completeExceptionally(new CreateOutcomeUnknownException(timeout)));
        notStored.forEach(creation -> creation.outcome.completeExceptionally(failure));
        return again;
    }

    /**
     * Whether etcd may have applied a transaction whose call failed so: yes when it ended without etcd's verdict (the
     * deadline, a connection lost after sending, etcd's own "request timed out" or "leader changed", which it may
     * still apply); no when etcd refused it (permission, size, quota: errors it answers before applying) or when no
     * connection could be made to send it (refused, or its TLS handshake failed).
     */
    private static boolean mayHaveBeenApplied(Status.Code code, Throwable failure) {
        return switch (code) {
            case DEADLINE_EXCEEDED, CANCELLED, UNKNOWN, INTERNAL, ABORTED -> true;
            case UNAVAILABLE -> Causes.of(failure).noneMatch(cause -> cause instanceof ConnectException
                    || cause instanceof SSLException);
            default -> false;
        };
    }
}
