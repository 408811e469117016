package dev.microkit.users;

import java.net.URI;

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
import org.jboss.logging.Logger;

import dev.microkit.users.notify.NotificatorClient;
import dev.microkit.users.store.User;
import dev.microkit.users.store.UserStore;
import io.smallrye.mutiny.Uni;

/** Creates users and welcomes them by email through notificator. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    static final String WELCOME = "Hi! Thank you for registration...";

    private static final Logger LOG = Logger.getLogger(UserResource.class);

    /** The answer to a successful {@code POST /create}. */
    public record Created(String id, String email, String notificationId) {
    }

    private final CreateUserRequests requests;
    private final UserStore store;
    private final NotificatorClient notificator;

    @Inject
    UserResource(CreateUserRequests requests, UserStore store, NotificatorClient notificator) {
        this.requests = requests;
        this.store = store;
        this.notificator = notificator;
    }

    @POST
    @Path("create")
    @Consumes(MediaType.WILDCARD) // JSON, whatever the Content-Type: curl -d sends application/x-www-form-urlencoded
    @Operation(summary = "Create a user and send them a welcome email")
    @RequestBody(description = "{\"email\": \"ann@example.com\"}, with any Content-Type")
    @APIResponse(responseCode = "201", description = "created and welcomed; Location names the user")
    @APIResponse(responseCode = "400", description = "the body is not a JSON object with a valid email")
    @APIResponse(responseCode = "409", description = "a user with this email exists")
    @APIResponse(responseCode = "503", description = "etcd or every notificator unavailable; nothing was kept")
    public Uni<Response> create(String body) {
        CreateUserRequest request = requests.parse(body);
        return store.create(request.email()).chain(user -> welcome(user)
                .map(notificationId -> Response.created(URI.create("/users/" + user.id()))
                        .entity(new Created(user.id(), user.email(), notificationId)).build()));
    }

    @GET
    @Path("users/{id}")
    @Operation(summary = "Read a user")
    @APIResponse(responseCode = "200", description = "the user")
    @APIResponse(responseCode = "404", description = "no such user")
    public Uni<User> get(@PathParam("id") String id) {
        if (!id.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
            return Uni.createFrom().failure(notFound(id));
        }
        return store.find(id).map(user -> user.orElseThrow(() -> notFound(id)));
    }

    /** Sends the welcome email; if no notificator takes it, the user is removed again, so a retry can succeed. */
    private Uni<String> welcome(User user) {
        return notificator.sendEmail(user.email(), WELCOME)
                .invoke(id -> LOG.infof("Created user %s (%s), welcome email %s", user.id(), user.email(), id))
                .onFailure().call(failure -> store.delete(user)
                        .invoke(() -> LOG.warnf("Removed user %s (%s) again: welcome email not sent (%s)",
                                user.id(), user.email(), failure.getMessage()))
                        .onFailure().invoke(deleteFailure -> LOG.errorf(
                                "User %s (%s) kept without a welcome email: cannot remove it (%s)", user.id(),
                                user.email(), deleteFailure.getMessage()))
                        .onFailure().recoverWithNull());
    }

    private static ApiException notFound(String id) {
        return new ApiException(Response.Status.NOT_FOUND, "no user with id " + id);
    }
}
