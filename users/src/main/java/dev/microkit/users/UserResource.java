package dev.microkit.users;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;

/** {@code POST /create} and {@code GET /users/{id}}: the HTTP side of {@link UserCreation} and the store. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    private static final Pattern UUID_FORM = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final CreateUserRequests requests;
    private final UserStore store;
    private final UserCreation creation;
    private final ShutdownGate gate;

    @Inject
    UserResource(CreateUserRequests requests, UserStore store, UserCreation creation, ShutdownGate gate) {
        this.requests = requests;
        this.store = store;
        this.creation = creation;
        this.gate = gate;
    }

    @POST
    @Path("create")
    @Consumes(MediaType.WILDCARD) // JSON, whatever the Content-Type: curl -d sends application/x-www-form-urlencoded
    @Operation(summary = "Create a user and send them a welcome email")
    @RequestBody(description = "{\"email\": \"ann@example.com\"}, with any Content-Type")
    @APIResponse(responseCode = "201", description = "created and welcomed; Location names the user. With an "
            + "Idempotency-Key used before with the same body: the user that request created, nothing done again")
    @APIResponse(responseCode = "400", description = "the body is not a JSON object with a valid email, or the "
            + "Idempotency-Key is malformed")
    @APIResponse(responseCode = "409", description = "a user with this email exists")
    @APIResponse(responseCode = "422", description = "the Idempotency-Key was used before with another body")
    @APIResponse(responseCode = "503", description = "etcd unavailable, too many creates in progress, or this "
            + "replica stopping (with Retry-After): nothing was stored")
    @APIResponse(responseCode = "504", description = "etcd did not answer in time after the user was sent to it: it "
            + "may or may not be stored; ask again with the same Idempotency-Key to learn which")
    public Uni<Response> create(String body,
            @Parameter(description = "optional; 1 to 255 printable ASCII characters without spaces, a UUID say (IETF "
                    + "draft-ietf-httpapi-idempotency-key-header): a retry with the same key and body answers the "
                    + "same user") @HeaderParam("Idempotency-Key") String idempotencyKey) {
        CreateUserRequest request = requests.parse(body);
        gate.checkOpen();
        return creation.create(request.email(), IdempotencyKeys.parse(idempotencyKey), Context.current())
                .map(created -> Response.created(URI.create("/users/" + created.id())).entity(created).build());
    }

    @GET
    @Path("users/{id}")
    @Operation(summary = "Read a user")
    @APIResponse(responseCode = "200", description = "the user")
    @APIResponse(responseCode = "400", description = "the id is not a UUID")
    @APIResponse(responseCode = "404", description = "no such user")
    public Uni<User> get(@PathParam("id") String id) {
        if (!UUID_FORM.matcher(id).matches()) {
            return Uni.createFrom().failure(ApiException.badRequest(
                    "the id must be a UUID such as 0b9cf5c0-2d4e-4f3a-9a4e-6f1d2c3b4a59, as POST /create answers"));
        }
        String lowerCase = id.toLowerCase(Locale.ROOT);
        return store.find(lowerCase).map(user -> user.orElseThrow(() -> notFound(lowerCase)));
    }

    private static ApiException notFound(String id) {
        return new ApiException(Response.Status.NOT_FOUND, "no user with id " + id);
    }
}
