package dev.microkit.stork.etcd.deployment;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.microkit.stork.etcd.EtcdClients;
import io.etcd.jetcd.ByteSequence;

/** What a test asks the etcd Dev Services gave the application. */
final class EtcdProbe {

    private EtcdProbe() {
    }

    /** The one endpoint the application was given. */
    static URI endpoint(EtcdClients clients) {
        List<URI> endpoints = clients.config().endpoints();
        assertEquals(1, endpoints.size(), endpoints.toString());
        return endpoints.get(0);
    }

    /** The application's client writes {@code key} and reads it back. */
    static void assertWritesAndReads(EtcdClients clients, String key) throws Exception {
        ByteSequence bytes = ByteSequence.from(key, UTF_8);
        clients.main().getKVClient().put(bytes, ByteSequence.from("yes", UTF_8)).get(10, TimeUnit.SECONDS);
        assertEquals("yes", clients.main().getKVClient().get(bytes).get(10, TimeUnit.SECONDS).getKvs().get(0)
                .getValue().toString(UTF_8));
    }
}
