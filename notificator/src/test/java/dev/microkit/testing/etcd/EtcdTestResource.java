package dev.microkit.testing.etcd;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Runs a real etcd cluster for a Quarkus test and points {@code etcd.endpoints} at it. The test gets the cluster in
 * a field annotated {@link InjectEtcd}, to stop, kill or restart members.
 * <p>
 * Init args: {@code members} (default 1); {@code started} (default true; false chooses the ports but starts
 * nothing, for tests of an application that boots while etcd is down).
 */
public class EtcdTestResource implements QuarkusTestResourceLifecycleManager {

    private int members = 1;
    private boolean started = true;
    private EtcdCluster cluster;

    @Override
    public void init(Map<String, String> initArgs) {
        members = Integer.parseInt(initArgs.getOrDefault("members", "1"));
        started = Boolean.parseBoolean(initArgs.getOrDefault("started", "true"));
    }

    @Override
    public Map<String, String> start() {
        cluster = started ? EtcdCluster.start(members) : EtcdCluster.create(members);
        return Map.of("etcd.endpoints", cluster.endpoints());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(cluster,
                new TestInjector.AnnotatedAndMatchesType(InjectEtcd.class, EtcdCluster.class));
    }

    @Override
    public void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
