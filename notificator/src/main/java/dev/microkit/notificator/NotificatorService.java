package dev.microkit.notificator;

import java.util.UUID;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.microkit.proto.Notificator;
import dev.microkit.proto.SendEmailReply;
import dev.microkit.proto.SendEmailRequest;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/**
 * The gRPC {@code pb.Notificator} service. It pretends to send: every valid request gets an id and a log line naming
 * the recipient and the id (never the content). A request with an idempotency key gets the id derived from the key,
 * and is sent only the first time within the window.
 */
@GrpcService
public class NotificatorService implements Notificator {

    private static final Logger LOG = Logger.getLogger(NotificatorService.class);

    private final SendEmailRequests requests;
    private final SentEmails sent;

    @Inject
    NotificatorService(SendEmailRequests requests, SentEmails sent) {
        this.requests = requests;
        this.sent = sent;
    }

    @Override
    public Uni<SendEmailReply> sendEmail(SendEmailRequest request) {
        String problem = requests.problemWith(request);
        if (problem != null) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
        }
        String key = request.getIdempotencyKey();
        String id;
        if (key.isEmpty()) {
            id = UUID.randomUUID().toString();
            LOG.infof("Sent email %s to %s", id, request.getEmail());
        } else {
            id = SentEmails.idFor(key);
            if (sent.firstTime(key)) {
                LOG.infof("Sent email %s to %s", id, request.getEmail());
            } else {
                LOG.infof("Email %s to %s was sent already (idempotency key %s): not sent again", id,
                        request.getEmail(), key);
            }
        }
        return Uni.createFrom().item(SendEmailReply.newBuilder().setId(id).build());
    }
}
