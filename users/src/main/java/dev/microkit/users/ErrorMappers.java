package dev.microkit.users;

import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.microkit.users.store.CreateOutcomeUnknownException;
import dev.microkit.users.store.DuplicateEmailException;
import dev.microkit.users.store.IdempotencyKeyReusedException;
import dev.microkit.users.store.StoreUnavailableException;

/** Every error reaches the client as {@code {"error": "..."}}; never a stack trace. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);
    private static final String RETRY_AFTER_SECONDS = "1";

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return error(e.status().getStatusCode(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response duplicate(DuplicateEmailException e) {
        return error(409, e.getMessage());
    }

    @ServerExceptionMapper
    public Response keyReused(IdempotencyKeyReusedException e) {
        return error(422, e.getMessage());
    }

    @ServerExceptionMapper
    public Response storeUnavailable(StoreUnavailableException e) {
        LOG.warnf("Answered 503: %s (%s)", e.getMessage(), e.getCause());
        return retryLater(e.getMessage());
    }

    /** Refused at once, before waiting: not logged one by one (a flood would flood the log too); counted by status. */
    @ServerExceptionMapper
    public Response tooMany(CreateAdmission.TooManyCreatesException e) {
        return retryLater(e.getMessage());
    }

    @ServerExceptionMapper
    public Response stopping(ShutdownGate.StoppingException e) {
        return retryLater(e.getMessage());
    }

    @ServerExceptionMapper
    public Response outcomeUnknown(CreateOutcomeUnknownException e) {
        LOG.warnf("Answered 504: %s", e.getMessage());
        return error(504, e.getMessage());
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
        return json(status, message).build();
    }

    /** 503: nothing was stored, and a client may ask again in a second. */
    private static Response retryLater(String message) {
        return json(503, message).header("Retry-After", RETRY_AFTER_SECONDS).build();
    }

    private static Response.ResponseBuilder json(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("error", message));
    }
}
