package dev.microkit.stork.etcd;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * Applies {@code quarkus.etcd.username}/{@code quarkus.etcd.password} and {@code quarkus.etcd.tls.*} to a jetcd client
 * builder, after checking them, so that a mistake stops the service at startup with a message that says what to
 * change (never with key material or the password in it), instead of surfacing later as an opaque handshake or
 * authentication failure.
 */
public final class EtcdSecurity {

    private static final Pattern PEM_KEY = Pattern.compile("-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----");

    private EtcdSecurity() {
    }

    /** @throws IllegalArgumentException saying which setting is wrong and how to fix it */
    public static ClientBuilder configure(ClientBuilder builder, EtcdConfig config, List<URI> endpoints) {
        if (tlsEndpoints(endpoints)) {
            builder.sslContext(sslContext(config.tls()));
        } else if (config.tls().caFile().isPresent() || config.tls().certFile().isPresent()) {
            throw new IllegalArgumentException("quarkus.etcd.tls.* is set but quarkus.etcd.endpoints " + endpoints
                    + " are not https://: use https:// endpoints for TLS");
        }
        if (config.username().isPresent() != config.password().isPresent()) {
            throw new IllegalArgumentException("quarkus.etcd.username and quarkus.etcd.password "
                    + "(QUARKUS_ETCD_USERNAME, QUARKUS_ETCD_PASSWORD) go together: "
                    + (config.username().isPresent() ? "the password" : "the user name") + " is missing");
        }
        config.username().ifPresent(user -> builder.user(ByteSequence.from(user, StandardCharsets.UTF_8)));
        config.password().ifPresent(password -> builder.password(ByteSequence.from(password, StandardCharsets.UTF_8)));
        return builder;
    }

    private static boolean tlsEndpoints(List<URI> endpoints) {
        long https = endpoints.stream().filter(uri -> "https".equalsIgnoreCase(uri.getScheme())).count();
        if (https > 0 && https < endpoints.size()) {
            throw new IllegalArgumentException("quarkus.etcd.endpoints " + endpoints + " mix https:// and other "
                    + "schemes");
        }
        return https > 0;
    }

    private static SslContext sslContext(EtcdConfig.Tls tls) {
        if (tls.certFile().isPresent() != tls.keyFile().isPresent()) {
            throw new IllegalArgumentException("quarkus.etcd.tls.cert-file and quarkus.etcd.tls.key-file go together: "
                    + (tls.certFile().isPresent() ? "the key" : "the certificate") + " is missing");
        }
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        tls.caFile().ifPresent(ca -> ssl.trustManager(readable(ca, "quarkus.etcd.tls.ca-file").toFile()));
        if (tls.certFile().isPresent()) {
            Path key = requirePkcs8(readable(tls.keyFile().get(), "quarkus.etcd.tls.key-file"));
            ssl.keyManager(readable(tls.certFile().get(), "quarkus.etcd.tls.cert-file").toFile(), key.toFile());
        }
        try {
            return ssl.build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("quarkus.etcd.tls.* files cannot be used ("
                    + tls.caFile().orElse(null) + ", " + tls.certFile().orElse(null) + ", "
                    + tls.keyFile().orElse(null) + "): " + e.getMessage());
        }
    }

    private static Path readable(Path file, String setting) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(setting + " " + file + " cannot be read (missing, or no permission)");
        }
        return file;
    }

    /** jetcd (Netty, without Bouncy Castle) reads only unencrypted PKCS#8 PEM keys. */
    static Path requirePkcs8(Path key) {
        String text;
        try {
            text = Files.readString(key, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException("quarkus.etcd.tls.key-file " + key + " cannot be read: "
                    + e.getMessage());
        }
        Matcher pem = PEM_KEY.matcher(text);
        String kind = pem.find() ? pem.group(1).trim() : null;
        if ("".equals(kind)) {
            return key;
        }
        String found = kind == null ? "is not a PEM private key" : "is a \"" + kind + " PRIVATE KEY\""
                + (kind.equals("ENCRYPTED") ? " (encrypted)" : " (PKCS#1/SEC1)");
        throw new IllegalArgumentException("quarkus.etcd.tls.key-file " + key + " " + found
                + "; jetcd needs an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY). Convert it with: openssl pkcs8 "
                + "-topk8 -nocrypt" + (kind == null ? " -inform DER" : "") + " -in " + key + " -out "
                + Optional.ofNullable(key.getFileName()).map(Path::toString).orElse("key") + ".pk8.pem");
    }
}
