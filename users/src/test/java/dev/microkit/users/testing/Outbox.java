package dev.microkit.users.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.microkit.testing.etcd.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;

/** The welcome emails pending in etcd, as users keeps them: {@code /users/outbox-due/<due>/<user id>}. */
public final class Outbox {

    public static final String PREFIX = "/users/outbox-due/";

    private Outbox() {
    }

    /** The outbox entry of a user, while its welcome email is pending. */
    public static Optional<KeyValue> entryOf(EtcdCluster etcd, String userId) {
        return etcd.client().getKVClient().get(ByteSequence.from(PREFIX, UTF_8), GetOption.builder().isPrefix(true)
                .build()).thenApply(response -> response.getKvs().stream()
                        .filter(kv -> kv.getKey().toString(UTF_8).endsWith("/" + userId)).findFirst())
                .join();
    }

    /** How many welcome emails are pending. */
    public static long size(EtcdCluster etcd) {
        try {
            return etcd.client().getKVClient().get(ByteSequence.from(PREFIX, UTF_8), GetOption.builder()
                    .isPrefix(true).withCountOnly(true).build()).get(5, TimeUnit.SECONDS).getCount();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
