package dev.microkit.users;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import com.fasterxml.jackson.annotation.JsonInclude;

import dev.microkit.users.outbox.WelcomeDispatcher;
import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * Creates users and welcomes them by email through notificator. A user is stored with its pending welcome email in
 * one transaction (an outbox), so the email is never lost: sent at once when a notificator takes it, else later.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    private static final Pattern UUID_FORM = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /**
     * The answer to a successful {@code POST /create}: with the {@code notificationId} when the welcome email was
     * sent at once, with {@code "notification": "pending"} when it will be sent later.
     */
    @RegisterForReflection // serialised from inside a Response: native image cannot see it otherwise
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Created(String id, String email, String notificationId, String notification) {
    }

    private final CreateUserRequests requests;
    private final UserStore store;
    private final WelcomeDispatcher welcome;
    private final Counter welcomedAtOnce;
    private final Counter welcomePending;

    @Inject
    UserResource(CreateUserRequests requests, UserStore store, WelcomeDispatcher welcome, MeterRegistry meters) {
        this.requests = requests;
        this.store = store;
        this.welcome = welcome;
        // The other outcomes (400, 409, 413, 503) are in Quarkus' http_server_requests_seconds, by status.
        this.welcomedAtOnce = created(meters, "sent");
        this.welcomePending = created(meters, "pending");
    }

    @POST
    @Path("create")
    @Consumes(MediaType.WILDCARD) // JSON, whatever the Content-Type: curl -d sends application/x-www-form-urlencoded
    @Operation(summary = "Create a user and send them a welcome email")
    @RequestBody(description = "{\"email\": \"ann@example.com\"}, with any Content-Type")
    @APIResponse(responseCode = "201", description = "created and welcomed; Location names the user")
    @APIResponse(responseCode = "400", description = "the body is not a JSON object with a valid email")
    @APIResponse(responseCode = "409", description = "a user with this email exists")
    @APIResponse(responseCode = "503", description = "etcd unavailable; nothing was stored")
    public Uni<Response> create(String body) {
        CreateUserRequest request = requests.parse(body);
        Context trace = Context.current(); // this request's, passed on: later steps may run on other threads
        return welcome.create(request.email()).chain(user -> welcome.sendNow(user, trace)
                .map(notificationId -> new Created(user.id(), user.email(), notificationId, null))
                .onFailure().recoverWithItem(() -> new Created(user.id(), user.email(), null,
                        User.Notification.PENDING))
                .invoke(created -> (created.notificationId() != null ? welcomedAtOnce : welcomePending).increment())
                .map(created -> Response.created(URI.create("/users/" + user.id())).entity(created).build()));
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

    /** {@code users_created_total{welcome="sent|pending"}}: users created, welcome email sent at once or later. */
    private static Counter created(MeterRegistry meters, String welcome) {
        return Counter.builder("users.created").tag("welcome", welcome)
                .description("users created (201), by whether the welcome email was sent at once or is pending")
                .register(meters);
    }

    private static ApiException notFound(String id) {
        return new ApiException(Response.Status.NOT_FOUND, "no user with id " + id);
    }
}
