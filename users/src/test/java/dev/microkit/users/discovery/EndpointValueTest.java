package dev.microkit.users.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class EndpointValueTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void readsTheNotificatorsNamingJson() {
        EndpointValue value = EndpointValue.parse(
                "{\"Op\":0,\"Addr\":\"10.0.0.5:8082\",\"Metadata\":\"id=a%20b&version=1.0\"}", json);

        assertEquals("10.0.0.5", value.host());
        assertEquals(8082, value.port());
        assertEquals("id=a%20b&version=1.0", value.metadata());
        assertEquals(Map.of("id", "a b", "version", "1.0"), value.labels());
    }

    @Test
    void readsObjectMetadataOfOtherWriters() {
        EndpointValue value = EndpointValue.parse("{\"Addr\":\"n1:9000\",\"Metadata\":{\"zone\":\"a\",\"w\":2}}", json);

        assertEquals(Map.of("zone", "a", "w", 2), value.metadata());
        assertEquals(Map.of("zone", "a", "w", "2"), value.labels());
    }

    @Test
    void readsNullMetadata() {
        EndpointValue value = EndpointValue.parse("{\"Op\":0,\"Addr\":\"n1:9000\",\"Metadata\":null}", json);

        assertNull(value.metadata());
        assertEquals(Map.of(), value.labels());
    }

    @Test
    void readsGoKitValues() {
        assertEquals(new EndpointValue("notificator", 8082, null, Map.of()),
                EndpointValue.parse("http://notificator:8082", json));
        assertEquals(new EndpointValue("10.1.2.3", 8082, null, Map.of()), EndpointValue.parse("10.1.2.3:8082", json));
        assertEquals(new EndpointValue("my_host", 81, null, Map.of()), EndpointValue.parse("grpc://my_host:81/x", json));
        assertEquals(new EndpointValue("::1", 8082, null, Map.of()), EndpointValue.parse("[::1]:8082", json));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "garbage", "host:", ":8082", "host:0", "host:65536", "host:80a", "a b:80",
            "{\"Op\":1,\"Addr\":\"n1:9000\"}", "{\"Addr\":9000}", "{\"Op\":0}", "{\"Addr\":\"n1\"}",
            "{\"Addr\":\"n1:1\",\"Metadata\":5}", "{\"Addr\":" })
    void rejectsWhatIsNotAnAddress(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EndpointValue.parse(value, json));
        assertEquals(false, e.getMessage().isBlank());
    }
}
