package dev.microkit.notificator.registration;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The value of a registration key: etcd's gRPC naming endpoint ({@code go.etcd.io/etcd/clientv3/naming}), field
 * names byte for byte, so that Go clients using etcd's naming resolver find this instance too.
 * <p>
 * {@code Metadata} is a query string or null, never an object: etcd 3.4's resolver with grpc-go 1.33 panics on
 * object metadata ("hash of unhashable type map[string]interface {}").
 *
 * @param op       0 = add (the naming package's {@code naming.Add})
 * @param addr     {@code host:port} to dial
 * @param metadata {@code id=<instance id>&version=<app version>}, plus {@code &secure=true} when the address serves
 *                 gRPC over TLS (clients then dial it with TLS)
 */
@RegisterForReflection
@JsonPropertyOrder({ "Op", "Addr", "Metadata" })
public record Endpoint(
        @JsonProperty("Op") int op,
        @JsonProperty("Addr") String addr,
        @JsonProperty("Metadata") String metadata) {

    static final int ADD = 0;

    static Endpoint of(String addr, String instanceId, String version, boolean secure) {
        return new Endpoint(ADD, addr, "id=" + encode(instanceId) + "&version=" + encode(version)
                + (secure ? "&secure=true" : ""));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
