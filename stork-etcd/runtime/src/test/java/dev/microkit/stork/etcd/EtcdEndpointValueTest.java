package dev.microkit.stork.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class EtcdEndpointValueTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void readsTheNotificatorsNamingJson() {
        EtcdEndpointValue value = EtcdEndpointValue.parse(
                "{\"Op\":0,\"Addr\":\"10.0.0.5:8082\",\"Metadata\":\"id=a%20b&version=1.0\"}", json);

        assertEquals("10.0.0.5", value.host());
        assertEquals(8082, value.port());
        assertEquals("id=a%20b&version=1.0", value.metadata());
        assertEquals(Map.of("id", "a b", "version", "1.0"), value.labels());
    }

    @Test
    void readsObjectMetadataOfOtherWriters() {
        EtcdEndpointValue value = EtcdEndpointValue.parse("{\"Addr\":\"n1:9000\",\"Metadata\":{\"zone\":\"a\",\"w\":2}}", json);

        assertEquals(Map.of("zone", "a", "w", 2), value.metadata());
        assertEquals(Map.of("zone", "a", "w", "2"), value.labels());
    }

    @Test
    void readsNullMetadata() {
        EtcdEndpointValue value = EtcdEndpointValue.parse("{\"Op\":0,\"Addr\":\"n1:9000\",\"Metadata\":null}", json);

        assertNull(value.metadata());
        assertEquals(Map.of(), value.labels());
    }

    @Test
    void readsGoKitValues() {
        assertEquals(new EtcdEndpointValue("notificator", 8082, null, Map.of()),
                EtcdEndpointValue.parse("http://notificator:8082", json));
        assertEquals(new EtcdEndpointValue("10.1.2.3", 8082, null, Map.of()), EtcdEndpointValue.parse("10.1.2.3:8082", json));
        assertEquals(new EtcdEndpointValue("my_host", 81, null, Map.of()), EtcdEndpointValue.parse("grpc://my_host:81/x", json));
        assertEquals(new EtcdEndpointValue("::1", 8082, null, Map.of()), EtcdEndpointValue.parse("[::1]:8082", json));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "garbage", "host:", ":8082", "host:0", "host:65536", "host:80a", "a b:80",
            "{\"Op\":1,\"Addr\":\"n1:9000\"}", "{\"Addr\":9000}", "{\"Op\":0}", "{\"Addr\":\"n1\"}",
            "{\"Addr\":\"n1:1\",\"Metadata\":5}", "{\"Addr\":" })
    void rejectsWhatIsNotAnAddress(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EtcdEndpointValue.parse(value, json));
        assertEquals(false, e.getMessage().isBlank());
    }

    @Test
    void writesEtcdNamingJsonWithAQueryStringAsMetadata() {
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        labels.put("id", "a b&c");
        labels.put("version", "1.0");
        labels.put(EtcdEndpointValue.SECURE, "true");

        String written = EtcdEndpointValue.write(json, "10.0.0.5", 8082, labels);

        assertEquals("{\"Op\":0,\"Addr\":\"10.0.0.5:8082\",\"Metadata\":\"id=a+b%26c&version=1.0&secure=true\"}", written);
        EtcdEndpointValue read = EtcdEndpointValue.parse(written, json);
        assertEquals("10.0.0.5:8082", read.address());
        assertEquals(labels, read.labels(), "what is written is read back");
        assertEquals(true, read.secure());
    }

    @Test
    void writesAnIpv6HostInBrackets() {
        String written = EtcdEndpointValue.write(json, "::1", 8082, Map.of());

        assertEquals("{\"Op\":0,\"Addr\":\"[::1]:8082\",\"Metadata\":\"\"}", written);
        assertEquals("::1", EtcdEndpointValue.parse(written, json).host());
    }
}
