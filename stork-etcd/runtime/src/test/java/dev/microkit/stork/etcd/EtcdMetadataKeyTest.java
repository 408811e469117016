package dev.microkit.stork.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Labels published at registration keep their order: the registry value's query string is written in it. */
class EtcdMetadataKeyTest {

    @Test
    void labelsKeepTheirOrder() {
        Map<String, String> labels = new LinkedHashMap<>();
        List<String> names = List.of("id", "version", "zone", "weight", "secure", "a", "z", "m");
        names.forEach(name -> labels.put(name, "v-" + name));

        Map<String, String> published = EtcdMetadataKey.labelsOf(EtcdMetadataKey.labels(labels));

        assertEquals(names, List.copyOf(published.keySet()));
        assertEquals(labels, published);
    }

    @Test
    void noMetadataMeansNoLabels() {
        assertEquals(Map.of(), EtcdMetadataKey.labelsOf(null));
    }
}
