package dev.microkit.notificator.registration;

import static dev.microkit.stork.etcd.DeprecatedConfigNames.environmentName;

import java.util.Map;
import java.util.stream.Collectors;

import org.eclipse.microprofile.config.Config;

/**
 * The registration settings of earlier releases ({@code registration.ttl}, {@code REGISTRATION_TTL}, ...) are now the
 * stork-etcd extension's. An instance given one of them refuses to start, saying which setting to use instead: it
 * would otherwise register with a value other than the one its operator chose. (They cannot keep working as the
 * extension's {@code etcd.*} names do: an application's own config interceptor is loaded by Quarkus' code generation,
 * before the application is compiled.) {@code registration.service-name} is gone: the name in etcd is the Stork
 * service's, {@code notificator}.
 */
final class EarlierRegistrationNames {

    /** Earlier name → the setting that replaces it. */
    static final Map<String, String> RENAMED = Map.of(
            "registration.prefix", "quarkus.etcd.prefix",
            "registration.ttl", "quarkus.etcd.registration.ttl",
            "registration.deregister-timeout", "quarkus.etcd.registration.deregister-timeout",
            "registration.retry-initial-backoff", "quarkus.etcd.registration.retry-initial-backoff",
            "registration.retry-max-backoff", "quarkus.etcd.registration.retry-max-backoff",
            "registration.service-name", "the Stork service name, notificator");

    private EarlierRegistrationNames() {
    }

    /** @throws IllegalStateException naming each earlier setting that is set, and what replaces it */
    static void refuse(Config config) {
        String set = RENAMED.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .filter(renamed -> config.getOptionalValue(renamed.getKey(), String.class).isPresent())
                .map(renamed -> renamed.getKey() + " (" + environmentName(renamed.getKey()) + ") is now "
                        + renamed.getValue() + (renamed.getValue().startsWith("quarkus.") ? " ("
                                + environmentName(renamed.getValue()) + ")" : ""))
                .collect(Collectors.joining("; "));
        if (!set.isEmpty()) {
            throw new IllegalStateException("Settings of an earlier release are set: " + set);
        }
    }
}
