package dev.microkit.stork.etcd;

import java.util.List;

import io.etcd.jetcd.resolver.DnsSrvResolverProvider;
import io.etcd.jetcd.resolver.HttpResolverProvider;
import io.etcd.jetcd.resolver.HttpsResolverProvider;
import io.etcd.jetcd.resolver.IPResolverProvider;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;

/**
 * jetcd's gRPC name resolvers (one per endpoint scheme: ip, http, https, dns+srv), in gRPC's default registry. gRPC
 * finds them through {@link java.util.ServiceLoader} on the JVM; in a native image Quarkus' gRPC support loads gRPC
 * providers from gRPC's own fixed list only (it substitutes {@code io.grpc.ServiceProviders}), which has none of
 * jetcd's, and the first client fails with "Could not find a NameResolverProvider for ip:///...". An application with
 * Quarkus' gRPC extension happened to escape it (its registry was made while the image was built, on the JVM); the
 * integration-tests module, without it, did not.
 */
final class JetcdNameResolvers {

    private JetcdNameResolvers() {
    }

    /** Registers each of jetcd's resolvers whose scheme has none. */
    static synchronized void registerMissing() {
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
        for (NameResolverProvider resolver : List.of(new IPResolverProvider(), new HttpResolverProvider(),
                new HttpsResolverProvider(), new DnsSrvResolverProvider())) {
            if (registry.getProviderForScheme(resolver.getDefaultScheme()) == null) {
                registry.register(resolver);
            }
        }
    }
}
