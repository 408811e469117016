package dev.microkit.testing.etcd;

import java.util.Map;

import dev.microkit.testing.tls.TestCertificates;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Runs a real etcd cluster for a Quarkus test and points {@code quarkus.etcd.endpoints} at it. The test gets the
 * cluster in a field annotated {@link InjectEtcd}, to stop, kill or restart members.
 * <p>
 * Init args: {@code members} (default 1); {@code started} (default true; false chooses the ports but starts
 * nothing, for tests of an application that boots while etcd is down); {@code secure} (default false; true starts
 * one member with client TLS and authentication, see {@link EtcdCluster#startSecure}).
 */
public class EtcdTestResource implements QuarkusTestResourceLifecycleManager {

    private int members = 1;
    private boolean started = true;
    private boolean secure;
    private EtcdCluster cluster;

    @Override
    public void init(Map<String, String> initArgs) {
        members = Integer.parseInt(initArgs.getOrDefault("members", "1"));
        started = Boolean.parseBoolean(initArgs.getOrDefault("started", "true"));
        secure = Boolean.parseBoolean(initArgs.getOrDefault("secure", "false"));
    }

    @Override
    public Map<String, String> start() {
        if (secure) {
            cluster = EtcdCluster.startSecure(TestCertificates.generate());
        } else {
            cluster = started ? EtcdCluster.start(members) : EtcdCluster.create(members);
        }
        return cluster.clientProperties();
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
