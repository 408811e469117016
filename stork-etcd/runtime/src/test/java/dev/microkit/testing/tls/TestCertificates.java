package dev.microkit.testing.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with {@code openssl}: a CA, a certificate it signed for {@code 127.0.0.1} and
 * {@code localhost} (server and client use, unencrypted PKCS#8 EC key), and a second CA nobody trusts. Nothing is
 * checked in; everything lives in a temporary directory for the test run.
 */
public final class TestCertificates {

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    public static TestCertificates generate() {
        try {
            TestCertificates certs = new TestCertificates(Files.createTempDirectory("microkit-tls-"));
            certs.ca("ca");
            certs.ca("other-ca");
            certs.signed("server", "ca");
            certs.signed("client", "ca");
            certs.openssl("pkey", "-in", "client.key", "-traditional", "-out", "client-traditional.key");
            return certs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CA that signed {@link #serverCert()} and {@link #clientCert()}. */
    public Path ca() {
        return dir.resolve("ca.pem");
    }

    /** A CA that signed nothing used here. */
    public Path otherCa() {
        return dir.resolve("other-ca.pem");
    }

    public Path serverCert() {
        return dir.resolve("server.pem");
    }

    public Path serverKey() {
        return dir.resolve("server.key");
    }

    public Path clientCert() {
        return dir.resolve("client.pem");
    }

    /** PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public Path clientKey() {
        return dir.resolve("client.key");
    }

    /** The same key in the traditional (SEC1) form, {@code BEGIN EC PRIVATE KEY}, which jetcd cannot read. */
    public Path clientKeyTraditional() {
        return dir.resolve("client-traditional.key");
    }

    /** Base64 lines of every private key here: what must never show up in a log or a response. */
    public List<String> keyMaterial() {
        List<String> lines = new ArrayList<>();
        for (String name : List.of("server.key", "client.key", "client-traditional.key", "ca.key")) {
            try {
                Files.readAllLines(dir.resolve(name)).stream().filter(line -> !line.startsWith("-----"))
                        .forEach(lines::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lines;
    }

    private void ca(String name) throws IOException {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=microkit test " + name);
    }

    private void signed(String name, String ca) throws IOException {
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "extendedKeyUsage=serverAuth,clientAuth\n");
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=microkit-" + name);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    private void openssl(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "test certificates in " + dir;
    }
}
