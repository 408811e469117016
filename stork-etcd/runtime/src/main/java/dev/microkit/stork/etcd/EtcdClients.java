package dev.microkit.stork.etcd;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.google.common.util.concurrent.MoreExecutors;

import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.PathConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The application's jetcd clients: one per distinct list of endpoints, shared by everything in the application that
 * talks to etcd (its own code, every etcd service discovery, the registrar), closed at shutdown. The client of
 * {@code quarkus.etcd.endpoints} is built at startup, on the main thread: wrong TLS or credential settings
 * ({@code quarkus.etcd.*}) stop the start with a message that says what to fix. Building a client opens no connection
 * (jetcd connects on the first request), so none of this needs etcd to be up. In a Quarkus application this is a bean;
 * with Stork alone, {@link #standalone()} makes one.
 */
@Startup
@ApplicationScoped
public class EtcdClients implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EtcdClients.class);

    private final EtcdConfig config;
    private final LastEtcdFailure lastFailure = new LastEtcdFailure();
    private final EtcdCallDeadline deadline;
    private final Map<List<URI>, Client> clients = new ConcurrentHashMap<>();
    private final List<Runnable> beforeClose = new CopyOnWriteArrayList<>();

    /** Clients built with these settings, their metrics in {@code meters}. */
    @Inject
    public EtcdClients(EtcdConfig config, MeterRegistry meters) {
        this.config = config;
        this.deadline = new EtcdCallDeadline(config.requestTimeout());
        Gauge.builder("etcd.client.calls.open", deadline, EtcdCallDeadline::open)
                .description("etcd requests sent and not answered yet (each ends by quarkus.etcd.request-timeout)")
                .register(meters);
    }

    /**
     * Clients for an application that uses Stork without Quarkus: the settings are read by SmallRye Config from system
     * properties, environment variables and {@code META-INF/microprofile-config.properties} (the same names:
     * {@code quarkus.etcd.endpoints}, {@code QUARKUS_ETCD_ENDPOINTS}, ...), metrics go to Micrometer's global
     * registry. The client of {@code quarkus.etcd.endpoints} is built at once; {@link #close()} them when done.
     */
    public static EtcdClients standalone() {
        EtcdConfig config = new SmallRyeConfigBuilder().addDefaultSources().addDefaultInterceptors()
                .withInterceptors(new DeprecatedConfigNames())
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(Path.class, 200, new PathConverter())
                .withMapping(EtcdConfig.class).build().getConfigMapping(EtcdConfig.class);
        EtcdClients clients = new EtcdClients(config, Metrics.globalRegistry);
        clients.main();
        return clients;
    }

    @PostConstruct
    void buildMain() {
        main();
    }

    /** The settings every client is built with. */
    public EtcdConfig config() {
        return config;
    }

    /** Why the last etcd call of any of these clients failed, if none succeeded since. */
    public LastEtcdFailure lastFailure() {
        return lastFailure;
    }

    /** The client of {@code quarkus.etcd.endpoints}. */
    public Client main() {
        return forEndpoints(config.endpoints());
    }

    /**
     * The client of these endpoints. jetcd creates its own Vert.x instance with the first service client; that is
     * done here, at once, so call this from startup code or a worker thread, never from an event loop.
     */
    public Client forEndpoints(List<URI> endpoints) {
        return clients.computeIfAbsent(List.copyOf(endpoints), list -> {
            JetcdNameResolvers.registerMissing();
            Client client = EtcdSecurity.configure(Client.builder(), config, list)
                    .endpoints(list)
                    .connectTimeout(config.connectTimeout())
                    .interceptor(lastFailure.interceptor(), deadline.interceptor())
                    // jetcd's default, wait-for-ready, holds every call until a connection is up: with a TLS or
                    // certificate mistake that is never, and a call only ever ends by its deadline, saying nothing.
                    .waitForReady(false)
                    // jetcd pings every 30 s even with no call open; etcd (grpc-go, PermitWithoutStream false) counts
                    // each such ping as a strike and closes the connection after the third with GOAWAY
                    // ENHANCE_YOUR_CALM "too_many_pings". Streams (watches, lease keep-alives) are calls: their
                    // connections are still pinged, and an idle one needs no ping (every call has a deadline).
                    .keepaliveWithoutCalls(false)
                    // jetcd hands every request to this executor before sending it (its retry wrapper, Failsafe,
                    // runs the attempt there): by default a thread pool of its own, a thread hop per request for a
                    // call that sends without blocking. Sending on the caller's thread saves that hop; delayed
                    // retries still run on Failsafe's scheduler thread.
                    .executorService(MoreExecutors.newDirectExecutorService())
                    .build();
            // Every service client now, on this thread: jetcd's stubs keep the Vert.x context current when they
            // are made, and one made while serving a request would run its callbacks in that request for ever.
            client.getKVClient();
            client.getWatchClient();
            client.getLeaseClient();
            LOG.debugf("Created etcd client for %s", list);
            return client;
        });
    }

    /**
     * Runs this when the clients close, before they do: e.g. a watch that its closing client broke would be reported
     * as broken and re-synced, so it is ended first.
     */
    public void beforeClose(Runnable action) {
        beforeClose.add(action);
    }

    /** Closes every client, after the {@link #beforeClose} actions. */
    @PreDestroy
    @Override
    public void close() {
        beforeClose.forEach(Runnable::run);
        beforeClose.clear();
        clients.values().forEach(Client::close);
        clients.clear();
    }
}
