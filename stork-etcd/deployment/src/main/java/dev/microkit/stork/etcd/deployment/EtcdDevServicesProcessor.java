package dev.microkit.stork.etcd.deployment;

import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.ConfigValue;
import org.jboss.logging.Logger;

import io.quarkus.deployment.IsNormal;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.DevServicesResultBuildItem;
import io.quarkus.deployment.builditem.LaunchModeBuildItem;
import io.quarkus.deployment.dev.devservices.DevServicesConfig;
import io.quarkus.runtime.LaunchMode;

/**
 * Dev Services for etcd: in dev and test mode, when {@code etcd.endpoints} is not set, an etcd is started for the
 * application (the {@code etcd} executable, see {@link EtcdProcess}) and {@code etcd.endpoints} points at it. In dev
 * mode it is shared with the other applications on this machine ({@link SharedEtcd}).
 */
class EtcdDevServicesProcessor {

    private static final Logger LOG = Logger.getLogger(EtcdDevServicesProcessor.class);
    static final String ENDPOINTS = "etcd.endpoints";

    @BuildStep(onlyIfNot = IsNormal.class, onlyIf = DevServicesConfig.Enabled.class)
    DevServicesResultBuildItem etcd(EtcdDevServicesConfig config, LaunchModeBuildItem launchMode) {
        if (!config.enabled()) {
            LOG.debug("Dev Services for etcd are disabled (quarkus.etcd.devservices.enabled=false)");
            return null;
        }
        if (configured(ENDPOINTS)) {
            LOG.debugf("Dev Services for etcd not started: %s is set", ENDPOINTS);
            return null;
        }
        boolean dev = launchMode.getLaunchMode() == LaunchMode.DEVELOPMENT;
        SharedEtcd shared = dev && config.shared() ? new SharedEtcd(config.serviceName()) : null;
        Optional<String> running = shared == null ? Optional.empty() : shared.find();
        if (running.isPresent()) {
            LOG.infof("Dev Services for etcd: using the shared etcd at %s (found in %s). "
                    + "Set etcd.endpoints, or quarkus.etcd.devservices.enabled=false, to use another.", running.get(),
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
                        + "directory, deleted when it stops)%s. Set etcd.endpoints to use your own etcd, or "
                        + "quarkus.etcd.devservices.enabled=false to start none.", executable, etcd.endpoint(),
                        shared == null ? "" : "; other applications in dev mode on this machine use it too"))
                .configProvider(Map.of(ENDPOINTS, EtcdProcess::endpoint))
                .build();
    }

    /** Set by the user: a value from any source but the defaults of the configuration mappings. */
    static boolean configured(String name) {
        ConfigValue value = ConfigProvider.getConfig().getConfigValue(name);
        return value.getValue() != null && !value.getValue().isBlank()
                && value.getSourceOrdinal() > Integer.MIN_VALUE;
    }
}
