package dev.microkit.stork.etcd;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The value of a registration key in etcd, written and read here. {@link #write} writes etcd's gRPC naming endpoint
 * ({@code go.etcd.io/etcd/clientv3/naming}), field names byte for byte, so that Go clients using etcd's naming resolver
 * find the instance too. {@code Metadata} is written as a query string, never an object: etcd 3.4's resolver with
 * grpc-go 1.33 panics on object metadata ("hash of unhashable type map[string]interface {}").
 * <p>
 * {@link #parse} reads two kinds of writers, so that Go and Java fleets mix:
 * <ul>
 * <li>etcd's gRPC naming endpoint JSON, as {@link #write} writes it:
 * {@code {"Op":0,"Addr":"host:port","Metadata":"id=..&version=.."}}; {@code Metadata} may be a query string, a JSON
 * object (other writers) or null;</li>
 * <li>go-kit's {@code sd/etcdv3} registrar values: {@code host:port} or {@code http://host:port}.</li>
 * </ul>
 *
 * @param host     the host to dial
 * @param port     the port to dial
 * @param metadata the {@code Metadata} as written: a String, a Map, or null
 * @param labels   {@code Metadata} as flat string pairs (query string parameters or the object's fields)
 */
public record EtcdEndpointValue(String host, int port, Object metadata, Map<String, String> labels) {

    /** Longer values are not parsed at all: a registration is ~100 bytes, and anyone may write under the prefix. */
    public static final int MAX_LENGTH = 4096;
    /** The label that says the instance serves gRPC over TLS only. */
    public static final String SECURE = "secure";

    /**
     * {@code {"Op":0,"Addr":"<host:port>","Metadata":"<labels as a query string>"}}; Op 0 is the naming package's
     * {@code naming.Add}.
     */
    public static String write(ObjectMapper json, String host, int port, Map<String, String> labels) {
        StringJoiner query = new StringJoiner("&");
        labels.forEach((name, value) -> query.add(encode(name) + "=" + encode(value)));
        ObjectNode node = json.createObjectNode().put("Op", 0).put("Addr", address(host, port))
                .put("Metadata", query.toString());
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    public static String address(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    /** @throws IllegalArgumentException saying what is wrong with {@code value} */
    public static EtcdEndpointValue parse(String value, ObjectMapper json) {
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(value.length() + " characters long, more than " + MAX_LENGTH);
        }
        String trimmed = value.trim();
        if (trimmed.startsWith("{")) {
            return parseNamingJson(trimmed, json);
        }
        return address(trimmed, null, Map.of());
    }

    /** The instance serves gRPC over TLS only: {@code secure=true} in its metadata. */
    public boolean secure() {
        return "true".equalsIgnoreCase(labels.get(SECURE));
    }

    public String address() {
        return address(host, port);
    }

    private static EtcdEndpointValue parseNamingJson(String value, ObjectMapper json) {
        JsonNode node;
        try {
            node = json.readTree(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode op = node.path("Op");
        if (!op.isMissingNode() && !(op.isInt() && op.intValue() == 0)) {
            throw new IllegalArgumentException("Op is " + op + ", not 0 (add)");
        }
        JsonNode addr = node.path("Addr");
        if (!addr.isTextual()) {
            throw new IllegalArgumentException("no \"Addr\" string");
        }
        JsonNode metadata = node.path("Metadata");
        Map<String, String> labels = new LinkedHashMap<>();
        Object raw = null;
        if (metadata.isTextual()) {
            raw = metadata.textValue();
            parseQuery(metadata.textValue(), labels);
        } else if (metadata.isObject()) {
            raw = json.convertValue(metadata, Map.class);
            metadata.fields().forEachRemaining(field -> labels.put(field.getKey(),
                    field.getValue().isTextual() ? field.getValue().textValue() : field.getValue().toString()));
        } else if (!metadata.isMissingNode() && !metadata.isNull()) {
            throw new IllegalArgumentException("\"Metadata\" is neither a string, an object nor null");
        }
        return address(addr.textValue(), raw, Map.copyOf(labels));
    }

    /** {@code host:port} or {@code scheme://host:port[/path]}; an IPv6 host in brackets. */
    private static EtcdEndpointValue address(String text, Object metadata, Map<String, String> labels) {
        String rest = text;
        int scheme = rest.indexOf("://");
        if (scheme >= 0) {
            rest = rest.substring(scheme + 3);
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            rest = rest.substring(0, slash);
        }
        int colon = rest.lastIndexOf(':');
        String host = colon < 0 ? "" : rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = colon < 0 ? -1 : parsePort(rest.substring(colon + 1));
        if (host.isEmpty() || port < 1 || port > 65535 || host.chars().anyMatch(c -> c <= ' ' || c == '@')) {
            throw new IllegalArgumentException("not a host:port address: " + quote(text, 80));
        }
        return new EtcdEndpointValue(host, port, metadata, labels);
    }

    /** Anyone may write under the prefix: shortened, control characters shown as {@code ?}. */
    private static String quote(String text, int max) {
        String shown = text.length() > max ? text.substring(0, max) + "..." : text;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }


    private static int parsePort(String digits) {
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(digits);
    }

    private static void parseQuery(String query, Map<String, String> into) {
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String val = eq < 0 ? "" : pair.substring(eq + 1);
            into.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(val, StandardCharsets.UTF_8));
        }
    }
}
