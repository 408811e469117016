package dev.microkit.users;

import jakarta.ws.rs.core.Response;

/** An error answered to the client as {@code {"error": message}} with its status. */
public class ApiException extends RuntimeException {

    private final Response.Status status;

    public ApiException(Response.Status status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public Response.Status status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(Response.Status.BAD_REQUEST, message);
    }
}
