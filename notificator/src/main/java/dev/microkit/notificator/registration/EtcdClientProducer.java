package dev.microkit.notificator.registration;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.etcd.jetcd.Client;
import io.quarkus.runtime.Startup;

/**
 * The application's one jetcd client, built at startup on the main thread. jetcd creates its own Vert.x instance
 * and channel when a service client is first asked for; doing that here keeps it off Quarkus' event loop and worker
 * contexts. No connection is made yet, so this does not need etcd to be up; wrong TLS or credential settings stop
 * the start with a message that says what to fix.
 */
public class EtcdClientProducer {

    @Produces
    @Singleton
    @Startup
    Client etcd(EtcdConfig config, LastEtcdFailure lastFailure) {
        Client client = EtcdSecurity.configure(Client.builder(), config, config.endpoints())
                .interceptor(lastFailure.interceptor())
                // jetcd's default, wait-for-ready, holds every call until a connection is up: with a TLS or
                // certificate mistake that is never, and a call only ever ends by its deadline, saying nothing.
                .waitForReady(false)
                .endpoints(config.endpoints())
                .connectTimeout(config.connectTimeout())
                .build();
        client.getKVClient();
        client.getLeaseClient();
        client.getWatchClient(); // the own-key watch: stubs made now, on the main thread, not in a request
        return client;
    }

    @Produces
    @Singleton
    LastEtcdFailure lastFailure() {
        return new LastEtcdFailure();
    }

    void close(@Disposes Client client) {
        client.close();
    }
}
