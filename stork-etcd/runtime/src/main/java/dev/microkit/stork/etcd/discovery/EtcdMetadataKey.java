package dev.microkit.stork.etcd.discovery;

import io.smallrye.stork.api.MetadataKey;

/** What an etcd-discovered {@link io.smallrye.stork.api.ServiceInstance} carries in its Stork metadata. */
public enum EtcdMetadataKey implements MetadataKey {

    /** The etcd key the instance was read from. */
    META_ETCD_KEY("etcd-key"),
    /** The {@code Metadata} of the naming endpoint JSON, as written: a String, a Map, or absent. */
    META_ETCD_METADATA("etcd-metadata");

    private final String name;

    EtcdMetadataKey(String name) {
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }
}
