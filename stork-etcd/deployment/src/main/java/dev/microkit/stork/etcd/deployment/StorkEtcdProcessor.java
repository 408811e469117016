package dev.microkit.stork.etcd.deployment;

import java.util.logging.Level;

import io.etcd.jetcd.resolver.DnsSrvResolverProvider;
import io.etcd.jetcd.resolver.HttpResolverProvider;
import io.etcd.jetcd.resolver.HttpsResolverProvider;
import io.etcd.jetcd.resolver.IPResolverProvider;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.IndexDependencyBuildItem;
import io.quarkus.deployment.builditem.LogCategoryBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ReflectiveClassBuildItem;

/** What every application using etcd through this extension needs at build time, native images included. */
class StorkEtcdProcessor {

    static final String FEATURE = "stork-etcd";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    /**
     * jetcd warns at every failed attempt of a call ("retry failure", "maximum number of auto retries reached"); the
     * applications report each failure once, in their own words, with the cause (see {@code EtcdErrors}).
     */
    @BuildStep
    void quietJetcd(BuildProducer<LogCategoryBuildItem> categories) {
        categories.produce(new LogCategoryBuildItem("io.etcd.jetcd", Level.WARNING));
        categories.produce(new LogCategoryBuildItem("io.etcd.jetcd.impl.KVImpl", Level.SEVERE));
        categories.produce(new LogCategoryBuildItem("io.etcd.jetcd.impl.LeaseImpl", Level.SEVERE));
    }

    /**
     * jetcd's generated gRPC/protobuf classes (jetcd-grpc) and its client (jetcd-core) are not in the Jandex index by
     * default; indexed, Quarkus' gRPC extension registers their messages for reflection in a native image.
     */
    @BuildStep
    void indexJetcd(BuildProducer<IndexDependencyBuildItem> index) {
        index.produce(new IndexDependencyBuildItem("io.etcd", "jetcd-grpc"));
        index.produce(new IndexDependencyBuildItem("io.etcd", "jetcd-core"));
    }

    /**
     * jetcd finds its gRPC name resolvers (one per endpoint scheme: http, https, ip, dns+srv) through
     * {@code META-INF/services/io.grpc.NameResolverProvider}, which instantiates them reflectively.
     */
    @BuildStep
    ReflectiveClassBuildItem jetcdNameResolvers() {
        return ReflectiveClassBuildItem.builder(HttpResolverProvider.class, HttpsResolverProvider.class,
                IPResolverProvider.class, DnsSrvResolverProvider.class).constructors().build();
    }
}
