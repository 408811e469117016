package dev.microkit.stork.etcd.deployment;

import java.util.List;

import jakarta.json.JsonObject;

import io.smallrye.health.SmallRyeHealthReporter;

/** What a test reads of the application's readiness: its checks, one by name. */
final class ReadinessChecks {

    private ReadinessChecks() {
    }

    /** Every readiness check, as SmallRye Health answers {@code /q/health/ready} now. */
    static List<JsonObject> all(SmallRyeHealthReporter health) {
        return all(health.getReadiness().getPayload());
    }

    /** The readiness check {@code name}, as SmallRye Health answers now; fails the test when there is none. */
    static JsonObject named(SmallRyeHealthReporter health, String name) {
        return named(health.getReadiness().getPayload(), name);
    }

    /** The check {@code name} of one readiness answer; fails the test when there is none. */
    static JsonObject named(JsonObject payload, String name) {
        return all(payload).stream().filter(check -> name.equals(check.getString("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no readiness check " + name + " in " + payload));
    }

    private static List<JsonObject> all(JsonObject payload) {
        return payload.getJsonArray("checks").stream().map(JsonObject.class::cast).toList();
    }
}
