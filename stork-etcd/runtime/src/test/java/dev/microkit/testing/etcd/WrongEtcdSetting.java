package dev.microkit.testing.etcd;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One way a service's etcd settings can be wrong against a {@link EtcdCluster#startSecure secure cluster}, and the
 * reason the service must give for it (in its log and readiness), whichever service it is.
 *
 * @param name   what is wrong
 * @param change applied to {@link EtcdCluster#clientProperties()}
 * @param reason a part of the line the service must report
 */
public record WrongEtcdSetting(String name, Consumer<Map<String, String>> change, String reason) {

    /** Wrong password, a CA that did not sign etcd's certificate, no client certificate. */
    public static List<WrongEtcdSetting> against(EtcdCluster secure) {
        String otherCa = secure.certificates().orElseThrow().otherCa().toString();
        return List.of(
                new WrongEtcdSetting("wrong password", p -> p.put("quarkus.etcd.password", secure.wrongPassword()),
                        "wrong quarkus.etcd.username or quarkus.etcd.password"),
                new WrongEtcdSetting("unknown CA", p -> p.put("quarkus.etcd.tls.ca-file", otherCa),
                        "not signed by a CA in quarkus.etcd.tls.ca-file"),
                new WrongEtcdSetting("no client certificate", p -> {
                    p.remove("quarkus.etcd.tls.cert-file");
                    p.remove("quarkus.etcd.tls.key-file");
                }, "etcd refused this client's certificate"));
    }

    @Override
    public String toString() {
        return name;
    }
}
