package dev.microkit.stork.etcd.deployment;

import java.util.List;
import java.util.logging.Level;

import org.jboss.jandex.DotName;

import dev.microkit.stork.etcd.EtcdConfigBuilder;
import io.quarkus.arc.deployment.BuildTimeConditionBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.IndexDependencyBuildItem;
import io.quarkus.deployment.builditem.LogCategoryBuildItem;
import io.quarkus.deployment.builditem.RunTimeConfigBuilderBuildItem;
import io.quarkus.deployment.builditem.StaticInitConfigBuilderBuildItem;
import io.quarkus.smallrye.health.deployment.spi.HealthBuildItem;

/** What every application using etcd through this extension needs at build time, native images included. */
class StorkEtcdProcessor {

    static final String FEATURE = "stork-etcd";
    private static final String HEALTH_CHECKS = "dev.microkit.stork.etcd.health.";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    /**
     * Readiness checks for etcd and the registrations, when the application has SmallRye Health. Disabled, they are
     * also kept out of bean discovery: this extension's runtime jar is a bean archive, and SmallRye Health makes
     * {@code @Readiness} a bean-defining annotation.
     */
    @BuildStep
    void healthChecks(EtcdBuildTimeConfig config, CombinedIndexBuildItem index, BuildProducer<HealthBuildItem> checks,
            BuildProducer<BuildTimeConditionBuildItem> conditions) {
        boolean enabled = config.health().enabled();
        // by name: the health API is not on this module's class path (the runtime's dependency on it is optional)
        for (String check : List.of(HEALTH_CHECKS + "EtcdReadinessCheck", HEALTH_CHECKS
                + "EtcdRegistrationReadinessCheck")) {
            checks.produce(new HealthBuildItem(check, enabled));
            if (!enabled) {
                conditions.produce(new BuildTimeConditionBuildItem(
                        index.getIndex().getClassByName(DotName.createSimple(check)), false));
            }
        }
    }

    /** The settings of earlier releases ({@code etcd.*}) keep working, each with a deprecation warning. */
    @BuildStep
    void deprecatedNames(BuildProducer<StaticInitConfigBuilderBuildItem> staticInit,
            BuildProducer<RunTimeConfigBuilderBuildItem> runTime) {
        staticInit.produce(new StaticInitConfigBuilderBuildItem(EtcdConfigBuilder.class));
        runTime.produce(new RunTimeConfigBuilderBuildItem(EtcdConfigBuilder.class));
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
     * default; indexed, Quarkus' common gRPC support registers their messages for reflection in a native image.
     */
    @BuildStep
    void indexJetcd(BuildProducer<IndexDependencyBuildItem> index) {
        index.produce(new IndexDependencyBuildItem("io.etcd", "jetcd-grpc"));
        index.produce(new IndexDependencyBuildItem("io.etcd", "jetcd-core"));
    }
}
