package dev.microkit.notificator.registration;

import io.etcd.jetcd.resolver.DnsSrvResolverProvider;
import io.etcd.jetcd.resolver.HttpResolverProvider;
import io.etcd.jetcd.resolver.HttpsResolverProvider;
import io.etcd.jetcd.resolver.IPResolverProvider;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Native image: jetcd finds its gRPC name resolvers (one per endpoint scheme: http, https, ip, dns+srv) through
 * {@code META-INF/services/io.grpc.NameResolverProvider}; they are instantiated reflectively.
 */
@RegisterForReflection(targets = { HttpResolverProvider.class, HttpsResolverProvider.class, IPResolverProvider.class,
        DnsSrvResolverProvider.class })
final class JetcdNativeRegistrations {

    private JetcdNativeRegistrations() {
    }
}
