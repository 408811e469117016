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
 * The gRPC {@code pb.Notificator} service. It pretends to send: every valid request gets a fresh id and a log line
 * naming the recipient and the id (never the content).
 */
@GrpcService
public class NotificatorService implements Notificator {

    private static final Logger LOG = Logger.getLogger(NotificatorService.class);

    private final Recipients recipients;

    @Inject
    NotificatorService(Recipients recipients) {
        this.recipients = recipients;
    }

    @Override
    public Uni<SendEmailReply> sendEmail(SendEmailRequest request) {
        String problem = recipients.problemWith(request.getEmail());
        if (problem != null) {
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
        }
        String id = UUID.randomUUID().toString();
        LOG.infof("Sent email %s to %s", id, request.getEmail());
        return Uni.createFrom().item(SendEmailReply.newBuilder().setId(id).build());
    }
}
