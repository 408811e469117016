package dev.microkit.users;

import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.microkit.users.store.DuplicateEmailException;
import dev.microkit.users.store.StoreUnavailableException;

/** Every error reaches the client as {@code {"error": "..."}}; never a stack trace. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status().getStatusCode(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response duplicate(DuplicateEmailException e) {
        return error(409, e.getMessage());
    }

    @ServerExceptionMapper
    public Response storeUnavailable(StoreUnavailableException e) {
        LOG.warnf("Answered 503: %s (%s)", e.getMessage(), e.getCause());
        return error(503, e.getMessage());
    }

    /** 404 for unknown paths, 405, 406, 415 and the like: keep their status, answer in JSON. */
    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        return error(status.getStatusCode(), status.getReasonPhrase());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        LOG.error("Unexpected failure", e);
        return error(500, "internal error");
    }

    private static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("error", message)).build();
    }
}
