package dev.microkit.notificator.registration;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.etcd.jetcd.Client;
import io.quarkus.runtime.Startup;

/**
 * The application's one jetcd client, built at startup on the main thread. jetcd creates its own Vert.x instance
 * and channel when a service client is first asked for; doing that here keeps it off Quarkus' event loop and worker
 * contexts. No connection is made yet, so this does not need etcd to be up.
 */
public class EtcdClientProducer {

    @Produces
    @Singleton
    @Startup
    Client etcd(EtcdConfig config) {
        Client client = Client.builder()
                .endpoints(config.endpoints())
                .connectTimeout(config.connectTimeout())
                .build();
        client.getKVClient();
        client.getLeaseClient();
        return client;
    }

    void close(@Disposes Client client) {
        client.close();
    }
}
