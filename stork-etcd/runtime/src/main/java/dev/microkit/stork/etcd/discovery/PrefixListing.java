package dev.microkit.stork.etcd.discovery;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.microkit.stork.etcd.Causes;
import dev.microkit.stork.etcd.EtcdCall;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import io.grpc.Status;

/**
 * Every key under a prefix as of one revision, read a page at a time. One answer carries at most what the etcd client
 * takes in (jetcd: 4 MiB), and whoever may write under the prefix can put more there (etcd takes values up to
 * 1.5 MiB each): read whole, such a listing would fail every time, and with it the discovery. A page too large for one
 * answer is asked for again at half the size, down to one key, and the pages grow back after it; a key whose value
 * alone is too large is passed on by name, to be skipped. The pages after the first are read at the first one's
 * revision, so that together they are one consistent listing (a compaction in between fails it: the caller lists
 * again).
 */
final class PrefixListing {

    /** Keys asked for per page: about 100 KB of ordinary registrations. */
    static final int PAGE = 500;
    private static final ByteSequence ZERO = ByteSequence.from(new byte[] {0});

    /** What a listing finds, in key order. */
    interface Pages {

        void page(List<KeyValue> keyValues);

        /** {@code key}'s value is larger than one answer may carry. */
        void tooLarge(String key);
    }

    private final KV kv;
    private final ByteSequence prefix;
    private final ByteSequence end;
    private final Duration requestTimeout;

    PrefixListing(KV kv, ByteSequence prefix, Duration requestTimeout) {
        this.kv = kv;
        this.prefix = prefix;
        this.end = OptionsUtil.prefixEndOf(prefix);
        this.requestTimeout = requestTimeout;
    }

    /**
     * Reads the prefix, each page passed to {@code pages} as it comes, on the thread that completes its request (never
     * block there).
     *
     * @return the revision listed
     */
    CompletableFuture<Long> read(Pages pages) {
        return page(prefix, 0, PAGE, pages);
    }

    /** From {@code from} on, at {@code revision} (0: the latest, for the first page). */
    private CompletableFuture<Long> page(ByteSequence from, long revision, int limit, Pages pages) {
        GetOption option = GetOption.builder().withRange(end).withLimit(limit).withRevision(revision).build();
        return get(from, option).handle((response, failure) -> {
            if (failure == null) {
                long listed = revision != 0 ? revision : response.getHeader().getRevision();
                List<KeyValue> found = response.getKvs();
                pages.page(found);
                return response.isMore() && !found.isEmpty()
                        ? page(after(found.get(found.size() - 1).getKey()), listed, Math.min(PAGE, limit * 2), pages)
                        : CompletableFuture.completedFuture(listed);
            }
            if (!tooLarge(failure)) {
                return CompletableFuture.<Long> failedFuture(failure);
            }
            return limit > 1 ? page(from, revision, limit / 2, pages) : skipOne(from, revision, pages);
        }).thenCompose(next -> next);
    }

    /** The key at {@code from}, whose value alone is too large: named, by a keys-only read, and passed over. */
    private CompletableFuture<Long> skipOne(ByteSequence from, long revision, Pages pages) {
        GetOption keyOnly = GetOption.builder().withRange(end).withLimit(1).withRevision(revision).withKeysOnly(true)
                .build();
        return get(from, keyOnly).thenCompose(response -> {
            long listed = revision != 0 ? revision : response.getHeader().getRevision();
            if (response.getKvs().isEmpty()) {
                return CompletableFuture.completedFuture(listed); // deleted since: nothing left to read
            }
            ByteSequence key = response.getKvs().get(0).getKey();
            pages.tooLarge(key.toString(UTF_8));
            return response.isMore() ? page(after(key), listed, 1, pages) : CompletableFuture.completedFuture(listed);
        });
    }

    private CompletableFuture<GetResponse> get(ByteSequence from, GetOption option) {
        return EtcdCall.inBackground(requestTimeout, () -> kv.get(from, option)).subscribeAsCompletionStage();
    }

    /** The first key after {@code key}. */
    private static ByteSequence after(ByteSequence key) {
        return key.concat(ZERO);
    }

    /** The answer was larger than the client takes in (gRPC RESOURCE_EXHAUSTED). */
    private static boolean tooLarge(Throwable failure) {
        return Causes.of(failure).anyMatch(cause -> cause instanceof EtcdException e
                ? e.getErrorCode() == ErrorCode.RESOURCE_EXHAUSTED
                : Status.fromThrowable(cause).getCode() == Status.Code.RESOURCE_EXHAUSTED);
    }
}
