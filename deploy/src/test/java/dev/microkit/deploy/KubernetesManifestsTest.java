package dev.microkit.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/** deploy/k8s as kubectl renders it (kubectl kustomize): probes, downward API, replicas, resources, budgets. */
class KubernetesManifestsTest {

    private static List<JsonNode> rendered;

    @BeforeAll
    static void render() throws Exception {
        rendered = Yaml.documents(kustomize("k8s"));
    }

    static String kustomize(String dir) throws IOException, InterruptedException {
        Process kubectl;
        try {
            kubectl = new ProcessBuilder("kubectl", "kustomize", dir).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("kubectl is needed to render deploy/k8s", e);
        }
        String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(kubectl.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, kubectl.exitValue(), output);
        return output;
    }

    private static JsonNode find(String kind, String name) {
        return rendered.stream()
                .filter(d -> d.get("kind").asText().equals(kind) && d.at("/metadata/name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private static JsonNode env(JsonNode container, String name) {
        return StreamSupport.stream(container.get("env").spliterator(), false)
                .filter(e -> e.get("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    @Test
    void everythingLivesInItsNamespace() {
        rendered.stream().filter(d -> !d.get("kind").asText().equals("Namespace"))
                .forEach(d -> assertEquals("microkit", d.at("/metadata/namespace").asText(), d.toString()));
    }

    @Test
    void etcdIsAThreeMemberStatefulSetWithVolumesAntiAffinityAndABudget() {
        JsonNode etcd = find("StatefulSet", "etcd");
        assertEquals(3, etcd.at("/spec/replicas").asInt());
        assertEquals("etcd", etcd.at("/spec/serviceName").asText());
        assertEquals("data", etcd.at("/spec/volumeClaimTemplates/0/metadata/name").asText());
        assertFalse(etcd.at("/spec/template/spec/affinity/podAntiAffinity").isMissingNode());
        assertEquals("None", find("Service", "etcd").at("/spec/clusterIP").asText());
        assertEquals(2, find("PodDisruptionBudget", "etcd").at("/spec/minAvailable").asInt());
    }

    @Test
    void notificatorsAdvertiseTheirPodIpAndDrainBeforeTheyAreKilled() {
        JsonNode deployment = find("Deployment", "notificator");
        assertEquals(3, deployment.at("/spec/replicas").asInt());
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        assertEquals("status.podIP",
                env(container, "REGISTRATION_ADVERTISED_HOST").at("/valueFrom/fieldRef/fieldPath").asText());
        assertEquals("http://etcd-0.etcd:2379,http://etcd-1.etcd:2379,http://etcd-2.etcd:2379",
                env(container, "QUARKUS_ETCD_ENDPOINTS").get("value").asText());
        int drainSeconds = Integer.parseInt(env(container, "QUARKUS_SHUTDOWN_DELAY").get("value").asText()
                .replace("s", "")) + Integer.parseInt(env(container, "QUARKUS_SHUTDOWN_TIMEOUT").get("value").asText()
                        .replace("s", ""));
        assertTrue(deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asInt() > drainSeconds);
        assertEquals(1, find("PodDisruptionBudget", "notificator").at("/spec/maxUnavailable").asInt());
        assertEquals("microkit/notificator:native", container.get("image").asText());
        assertEquals("grpc", container.at("/ports/0/name").asText());
        assertEquals(8082, container.at("/ports/0/containerPort").asInt());
        assertEquals("http", container.at("/ports/1/name").asText());
        assertEquals(8083, container.at("/ports/1/containerPort").asInt());
        assertEquals("http", container.at("/readinessProbe/httpGet/port").asText(), "health is on HTTP, not gRPC");
        assertEquals("http", container.at("/livenessProbe/httpGet/port").asText());
    }

    @Test
    void usersAreTwoBehindAService() {
        JsonNode deployment = find("Deployment", "users");
        assertEquals(2, deployment.at("/spec/replicas").asInt());
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        assertEquals("http://etcd-0.etcd:2379,http://etcd-1.etcd:2379,http://etcd-2.etcd:2379",
                env(container, "QUARKUS_ETCD_ENDPOINTS").get("value").asText());
        assertEquals(8802, find("Service", "users").at("/spec/ports/0/port").asInt());
    }

    @ParameterizedTest
    @ValueSource(strings = { "notificator", "users" })
    void servicesAreProbedOnQuarkusHealth(String name) {
        JsonNode container = find("Deployment", name).at("/spec/template/spec/containers/0");
        assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
    }

    @Test
    void everyContainerHasRequestsAndAMemoryLimit() {
        rendered.stream().filter(d -> d.has("spec") && d.at("/spec/template/spec/containers").isArray())
                .flatMap(d -> StreamSupport.stream(d.at("/spec/template/spec/containers").spliterator(), false))
                .forEach(container -> {
                    assertFalse(container.at("/resources/requests/cpu").isMissingNode(), container.toString());
                    assertFalse(container.at("/resources/requests/memory").isMissingNode(), container.toString());
                    assertFalse(container.at("/resources/limits/memory").isMissingNode(), container.toString());
                });
    }

    @Test
    void theJvmOverlayUsesJvmImagesWithMoreMemory() throws Exception {
        List<JsonNode> jvm = Yaml.documents(kustomize("k8s/overlays/jvm"));
        JsonNode container = jvm.stream().filter(d -> d.at("/metadata/name").asText().equals("notificator")
                && d.get("kind").asText().equals("Deployment")).findFirst().orElseThrow()
                .at("/spec/template/spec/containers/0");
        assertEquals("microkit/notificator:jvm", container.get("image").asText());
        assertEquals("384Mi", container.at("/resources/limits/memory").asText());
    }
}
