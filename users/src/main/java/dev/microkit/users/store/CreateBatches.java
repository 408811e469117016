package dev.microkit.users.store;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

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

/**
 * Creates users in as few etcd transactions as the load allows (etcd spends most of a small transaction on the
 * request itself: its gRPC call, its raft entry, its apply). At most {@code store.create-transactions} are written at
 * a time; users that come meanwhile queue, and the next transaction takes every queued one, up to
 * {@code store.create-batch}. No timer: a request that finds the way free is written at once, alone.
 * <p>
 * A transaction checks that every email in it is free and then writes every user, or, when one is taken, reads each
 * email key instead: users whose email holds another id are told so, users whose email holds their own id were
 * written by an earlier attempt whose answer was lost (jetcd resends), and the others go again in the next
 * transaction. Two users with the same email never share one (etcd refuses a transaction that writes a key twice):
 * the later waits for the next, where it finds the email taken.
 */
final class CreateBatches {

    enum Outcome {
        CREATED, EMAIL_TAKEN
    }

    /** One user to create: its email key and id (what the key holds once it is created) and its writes. */
    private record Creation(ByteSequence emailKey, ByteSequence id, List<Op> writes, long deadline,
            CompletableFuture<Outcome> outcome) {
    }

    private final KV kv;
    private final int maxBatch;
    private final int maxTransactions;
    private final Duration timeout;
    private final ArrayDeque<Creation> queue = new ArrayDeque<>(); // guarded by this
    private int transactions; // being written; guarded by this

    CreateBatches(KV kv, StoreConfig config, Duration timeout) {
        this.kv = kv;
        this.maxBatch = config.createBatch();
        this.maxTransactions = config.createTransactions();
        this.timeout = timeout;
    }

    /**
     * @param emailKey the key that takes the email
     * @param id       what {@code emailKey} holds once the user is created
     * @param writes   every write of the user, {@code emailKey}'s included
     * @return the outcome, or a failure (etcd unreachable, or no answer within the request timeout)
     */
    CompletableFuture<Outcome> create(ByteSequence emailKey, ByteSequence id, List<Op> writes) {
        Creation creation = new Creation(emailKey, id, writes, System.nanoTime() + timeout.toNanos(),
                new CompletableFuture<>());
        boolean write;
        synchronized (this) {
            queue.add(creation);
            write = transactions < maxTransactions;
            if (write) {
                transactions++;
            }
        }
        if (write) {
            writeNext(List.of());
        }
        return creation.outcome();
    }

    /** Writes the next batch, {@code again} first, on the transaction slot of its caller; frees it if none waits. */
    private void writeNext(List<Creation> again) {
        List<Creation> batch = new ArrayList<>();
        List<Creation> late = new ArrayList<>();
        synchronized (this) {
            for (int i = again.size() - 1; i >= 0; i--) {
                queue.addFirst(again.get(i));
            }
            Set<ByteSequence> emails = new HashSet<>();
            long now = System.nanoTime();
            for (Iterator<Creation> waiting = queue.iterator(); waiting.hasNext() && batch.size() < maxBatch;) {
                Creation creation = waiting.next();
                if (creation.deadline() - now <= 0) {
                    waiting.remove();
                    late.add(creation);
                } else if (emails.add(creation.emailKey())) {
                    waiting.remove();
                    batch.add(creation);
                }
            }
            if (batch.isEmpty()) {
                transactions--;
            }
        }
        // never written: the caller's 503 is true, nothing was stored
        late.forEach(creation -> creation.outcome().completeExceptionally(new TimeoutException()));
        if (!batch.isEmpty()) {
            write(batch);
        }
    }

    private void write(List<Creation> batch) {
        long deadline = batch.stream().mapToLong(Creation::deadline).min().orElseThrow();
        Cmp[] free = batch.stream().map(creation -> new Cmp(creation.emailKey(), Cmp.Op.EQUAL, CmpTarget.version(0)))
                .toArray(Cmp[]::new);
        Op[] writes = batch.stream().flatMap(creation -> creation.writes().stream()).toArray(Op[]::new);
        Op[] reads = batch.stream().map(creation -> Op.get(creation.emailKey(), GetOption.DEFAULT)).toArray(Op[]::new);
        EtcdCall.within(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000)),
                () -> kv.txn().If(free).Then(writes).Else(reads).commit())
                .map(response -> settle(batch, response))
                .subscribe().with(this::writeNext, failure -> { // settled users stay as they are
                    batch.forEach(creation -> creation.outcome().completeExceptionally(failure));
                    writeNext(List.of());
                });
    }

    /** @return the users to write again: their email was free, another one's was not */
    private static List<Creation> settle(List<Creation> batch, TxnResponse response) {
        if (response.isSucceeded()) {
            batch.forEach(creation -> creation.outcome().complete(Outcome.CREATED));
            return List.of();
        }
        List<Creation> again = new ArrayList<>();
        List<GetResponse> emails = response.getGetResponses(); // one per user, in order
        for (int i = 0; i < batch.size(); i++) {
            Creation creation = batch.get(i);
            List<KeyValue> holder = emails.get(i).getKvs();
            if (holder.isEmpty()) {
                again.add(creation);
            } else {
                creation.outcome().complete(creation.id().equals(holder.get(0).getValue()) ? Outcome.CREATED
                        : Outcome.EMAIL_TAKEN);
            }
        }
        return again;
    }
}
