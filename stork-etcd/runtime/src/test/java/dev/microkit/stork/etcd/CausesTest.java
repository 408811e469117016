package dev.microkit.stork.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

class CausesTest {

    @Test
    void walksFromTheFailureToItsDeepestCause() {
        SSLHandshakeException tls = new SSLHandshakeException("PKIX path building failed");
        IOException io = new IOException("handshake", tls);
        CompletionException wrapped = new CompletionException(io);
        assertEquals(List.of(wrapped, io, tls), Causes.of(wrapped).toList());
    }

    @Test
    void endsOnAChainThatLoops() {
        IllegalStateException first = new IllegalStateException("first");
        IllegalStateException second = new IllegalStateException("second", first);
        first.initCause(second); // first -> second -> first -> ...
        assertEquals(64, Causes.of(first).count());
        assertEquals(List.of(first), Causes.of(first).limit(1).toList());
        assertEquals(1, Causes.of(new RuntimeException("alone")).count());
    }
}
