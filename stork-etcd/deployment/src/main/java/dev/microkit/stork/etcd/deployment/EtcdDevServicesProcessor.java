package dev.microkit.stork.etcd.deployment;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.ConfigValue;
import org.jboss.logging.Logger;

import io.quarkus.deployment.IsNormal;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.DevServicesResultBuildItem;
import io.quarkus.deployment.builditem.LaunchModeBuildItem;
import io.quarkus.deployment.dev.devservices.DevServicesConfig;
import io.quarkus.devservices.common.ConfigureUtil;
import io.quarkus.devservices.common.ContainerAddress;
import io.quarkus.devservices.common.ContainerLocator;
import io.quarkus.devservices.common.StartableContainer;
import io.quarkus.runtime.LaunchMode;

/**
 * Dev Services for etcd: in dev and test mode, when {@code quarkus.etcd.endpoints} is not set, an etcd is started for
 * the application and {@code quarkus.etcd.endpoints} points at it: in a container ({@link EtcdContainer}) where a
 * container runtime can run its image without a pull it cannot make, else from the {@code etcd} executable
 * ({@link EtcdProcess}), saying why once. In dev mode it is shared with the other applications on this machine: a
 * container by the Quarkus label, an executable through {@link SharedEtcd}.
 */
class EtcdDevServicesProcessor {

    private static final Logger LOG = Logger.getLogger(EtcdDevServicesProcessor.class);
    static final String ENDPOINTS = "quarkus.etcd.endpoints";
    /** Its name in earlier releases, still honoured (DeprecatedConfigNames). */
    static final String EARLIER_ENDPOINTS = "etcd.endpoints";
    /** The Quarkus convention's label that finds a shared Dev Services container, valued with the service name. */
    static final String DEV_SERVICE_LABEL = "quarkus-dev-service-etcd";
    /**
     * Why the image cannot run in a container, by image, decided once per JVM: dev mode runs this step again at each
     * reload, and neither the check (a pull may be tried) nor its log line should come again.
     */
    private static final Map<String, Optional<String>> CONTAINER_CHECKS = new ConcurrentHashMap<>();

    @BuildStep(onlyIfNot = IsNormal.class, onlyIf = DevServicesConfig.Enabled.class)
    DevServicesResultBuildItem etcd(EtcdBuildTimeConfig buildTimeConfig, LaunchModeBuildItem launchMode) {
        EtcdDevServicesConfig config = buildTimeConfig.devservices();
        if (!config.enabled()) {
            LOG.debug("Dev Services for etcd are disabled (quarkus.etcd.devservices.enabled=false)");
            return null;
        }
        if (configured(ENDPOINTS) || configured(EARLIER_ENDPOINTS)) {
            LOG.debugf("Dev Services for etcd not started: %s is set", ENDPOINTS);
            return null;
        }
        boolean dev = launchMode.getLaunchMode() == LaunchMode.DEVELOPMENT;
        if (config.executable().isEmpty()) {
            Optional<String> whyNot = CONTAINER_CHECKS.computeIfAbsent(config.imageName(), image -> {
                Optional<String> reason = ContainerImages.whyNot(ContainerImages.neededFor(image),
                        config.pullTimeout());
                reason.ifPresent(why -> LOG.infof("Dev Services for etcd: no container (%s); running the etcd "
                        + "executable instead. Set quarkus.etcd.devservices.executable to skip this check.", why));
                return reason;
            });
            if (whyNot.isEmpty()) {
                return container(config, launchMode.getLaunchMode());
            }
        }
        SharedEtcd shared = dev && config.shared() ? new SharedEtcd(config.serviceName()) : null;
        Optional<String> running = shared == null ? Optional.empty() : shared.find();
        if (running.isPresent()) {
            LOG.infof("Dev Services for etcd: using the shared etcd at %s (found in %s). "
                    + "Set quarkus.etcd.endpoints, or quarkus.etcd.devservices.enabled=false, to use another.",
                    running.get(),
                    shared.file());
            return DevServicesResultBuildItem.discovered().feature(StorkEtcdProcessor.FEATURE)
                    .description("shared etcd at " + running.get())
                    .config(Map.of(ENDPOINTS, running.get())).build();
        }
        String executable = config.executable().orElse("etcd");
        return DevServicesResultBuildItem.<EtcdProcess> owned().feature(StorkEtcdProcessor.FEATURE)
                .serviceName(config.serviceName())
                .serviceConfig(config.executable().orElse("") + ":" + config.port().orElse(0) + ":" + dev)
                .description("etcd from " + executable)
                .startable(() -> new EtcdProcess(executable, config.port().orElse(0), shared))
                .postStartHook(etcd -> LOG.infof("Dev Services for etcd started %s at %s (data in a temporary "
                        + "directory, deleted when it stops)%s. Set quarkus.etcd.endpoints to use your own etcd, or "
                        + "quarkus.etcd.devservices.enabled=false to start none.", executable, etcd.endpoint(),
                        shared == null ? "" : "; other applications in dev mode on this machine use it too"))
                .configProvider(Map.of(ENDPOINTS, EtcdProcess::endpoint))
                .build();
    }

    /** etcd in a container of {@code quarkus.etcd.devservices.image-name}; in dev mode, a shared one if it runs. */
    private static DevServicesResultBuildItem container(EtcdDevServicesConfig config, LaunchMode mode) {
        boolean shared = mode == LaunchMode.DEVELOPMENT && config.shared();
        Optional<ContainerAddress> running = new ContainerLocator(DEV_SERVICE_LABEL, EtcdContainer.CLIENT_PORT)
                .locateContainer(config.serviceName(), shared, mode);
        if (running.isPresent()) {
            String endpoint = "http://" + running.get().getUrl();
            LOG.infof("Dev Services for etcd: using the shared etcd container %s at %s. Set quarkus.etcd.endpoints, or "
                    + "quarkus.etcd.devservices.enabled=false, to use another.", running.get().getId(), endpoint);
            return DevServicesResultBuildItem.discovered().feature(StorkEtcdProcessor.FEATURE)
                    .containerId(running.get().getId()).description("shared etcd container at " + endpoint)
                    .config(Map.of(ENDPOINTS, endpoint)).build();
        }
        return DevServicesResultBuildItem.<StartableContainer<EtcdContainer>> owned()
                .feature(StorkEtcdProcessor.FEATURE)
                .serviceName(config.serviceName())
                .serviceConfig(config.imageName() + ":" + config.port().orElse(0) + ":" + shared)
                .description("etcd container from " + config.imageName())
                .startable(() -> {
                    EtcdContainer etcd = new EtcdContainer(config.imageName(), config.port());
                    if (shared) {
                        ConfigureUtil.configureSharedServiceLabel(etcd, mode, DEV_SERVICE_LABEL,
                                config.serviceName());
                    }
                    return new StartableContainer<>(etcd, EtcdContainer::endpoint);
                })
                .postStartHook(etcd -> LOG.infof("Dev Services for etcd started a container of %s at %s (%s; data "
                        + "inside it, gone when it stops)%s. Set quarkus.etcd.endpoints to use your own etcd, or "
                        + "quarkus.etcd.devservices.enabled=false to start none.", config.imageName(),
                        etcd.getContainer().endpoint(), etcd.getContainerId(),
                        shared ? "; other applications in dev mode on this machine use it too" : ""))
                .configProvider(Map.of(ENDPOINTS, etcd -> etcd.getContainer().endpoint()))
                .build();
    }

    /** Set by the user: a value from any source but the defaults of the configuration mappings. */
    static boolean configured(String name) {
        ConfigValue value = ConfigProvider.getConfig().getConfigValue(name);
        return value.getValue() != null && !value.getValue().isBlank()
                && value.getSourceOrdinal() > Integer.MIN_VALUE;
    }
}
