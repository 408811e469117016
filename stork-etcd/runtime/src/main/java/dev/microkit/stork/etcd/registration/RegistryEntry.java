package dev.microkit.stork.etcd.registration;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.concurrent.CompletableFuture;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.PutOption;

/** The key and value one registration keeps in etcd, as text and as the bytes jetcd takes. */
record RegistryEntry(String key, String value, ByteSequence keyBytes, ByteSequence valueBytes) {

    static RegistryEntry of(String key, String value) {
        return new RegistryEntry(key, value, ByteSequence.from(key, UTF_8), ByteSequence.from(value, UTF_8));
    }

    /** Puts the key on {@code leaseId}: it goes when the lease goes. */
    CompletableFuture<PutResponse> putOn(Client etcd, long leaseId) {
        return etcd.getKVClient().put(keyBytes, valueBytes, PutOption.builder().withLeaseId(leaseId).build());
    }
}
