package dev.microkit.users.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.microkit.testing.etcd.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;

/** The welcome emails pending in etcd, as users keeps them: {@code /users/outbox-due/<due>/<user id>}. */
public final class Outbox {

    public static final String PREFIX = "/users/outbox-due/";
    private static final int PAGE = 1_000;

    private Outbox() {
    }

    /**
     * The outbox entry of a user, while its welcome email is pending. Its key starts with the due time, unknown here:
     * the outbox's keys are read a page at a time, without values, as a whole outbox in one answer would exceed the
     * client's 4 MiB message limit once earlier tests have left thousands of welcome emails pending in a shared etcd.
     */
    public static Optional<KeyValue> entryOf(EtcdCluster etcd, String userId) {
        KV kv = etcd.client().getKVClient();
        String suffix = "/" + userId;
        ByteSequence from = ByteSequence.from(PREFIX, UTF_8);
        ByteSequence end = OptionsUtil.prefixEndOf(from);
        while (true) {
            GetResponse page = kv.get(from, GetOption.builder().withRange(end).withKeysOnly(true).withLimit(PAGE)
                    .build()).join();
            for (KeyValue key : page.getKvs()) {
                if (key.getKey().toString(UTF_8).endsWith(suffix)) {
                    return kv.get(key.getKey()).join().getKvs().stream().findFirst();
                }
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return Optional.empty();
            }
            String last = page.getKvs().get(page.getKvs().size() - 1).getKey().toString(UTF_8);
            from = ByteSequence.from(last + "\0", UTF_8);
        }
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
