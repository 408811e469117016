package dev.microkit.users;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers a body declared larger than {@link CreateUserRequests#MAX_BODY_BYTES} with 413 and a JSON error before
 * reading any of it. Without this, Quarkus' own limit ({@code quarkus.http.limits.max-body-size}) closes the
 * connection without an answer; that limit stays as the backstop for chunked bodies, which declare no length.
 */
@ApplicationScoped
public class RequestSizeFilter {

    void install(@Observes Router router) {
        router.route().order(-100).handler(RequestSizeFilter::rejectLargeBodies);
    }

    private static void rejectLargeBodies(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && declaredLength(length) > CreateUserRequests.MAX_BODY_BYTES) {
            context.response().setStatusCode(413)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end("{\"error\":\"" + CreateUserRequests.tooLarge().getMessage() + "\"}");
            return;
        }
        context.next();
    }

    private static long declaredLength(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // a length nobody can read: refused as too large
        }
    }
}
