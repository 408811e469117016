package dev.microkit.users.store;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How users are written to etcd. Every setting can be given as an environment variable (STORE_...). */
@ConfigMapping(prefix = "store")
public interface StoreConfig {

    /**
     * Most users created in one etcd transaction: 3 writes each (4 with an idempotency key), and etcd takes at most 128
     * operations per transaction by default ({@code --max-txn-ops}; a batch is cut there). 1 writes each user in a
     * transaction of its own.
     */
    @WithDefault("32")
    @Min(1)
    @Max(value = 42, message = "store.create-batch must be at most 42 (3 etcd operations each, 128 per transaction)")
    int createBatch();

    /**
     * etcd transactions creating users at the same time; users that come meanwhile wait and go together in the next
     * one. A request that finds one free is written at once, alone: no timer delays it.
     */
    @WithDefault("2")
    @Min(1)
    int createTransactions();
}
