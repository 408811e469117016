package dev.microkit.stork.etcd;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.smallrye.stork.api.Metadata;
import io.smallrye.stork.api.MetadataKey;

/**
 * The Stork metadata of an etcd instance, each key with one type: what discovery gives a
 * {@link io.smallrye.stork.api.ServiceInstance}, and what a registration publishes.
 */
public enum EtcdMetadataKey implements MetadataKey {

    /** Discovered: the etcd key the instance was read from (a String). */
    META_ETCD_KEY("etcd-key"),
    /** Discovered: the {@code Metadata} of the naming endpoint JSON as written (a String or a Map), or absent. */
    META_ETCD_METADATA("etcd-metadata"),
    /**
     * Discovered and registered: the labels of the {@code Metadata} (a {@code Map<String, String>}; e.g. {@code id},
     * {@code version}, {@link EtcdEndpointValue#SECURE}), written as its query string.
     */
    META_ETCD_LABELS("etcd-labels");

    private final String name;

    EtcdMetadataKey(String name) {
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }

    /** Metadata that publishes {@code labels} at registration, written in their iteration order. */
    public static Metadata<EtcdMetadataKey> labels(Map<String, String> labels) {
        return Metadata.of(EtcdMetadataKey.class).with(META_ETCD_LABELS,
                Collections.unmodifiableMap(new LinkedHashMap<>(labels)));
    }

    /** The labels in {@code metadata}; empty when there are none. */
    @SuppressWarnings("unchecked") // only labels(Map) and discovery put a value under this key, a Map<String, String>
    public static Map<String, String> labelsOf(Metadata<EtcdMetadataKey> metadata) {
        return metadata == null ? Map.of()
                : (Map<String, String>) metadata.getMetadata().getOrDefault(META_ETCD_LABELS, Map.of());
    }
}
