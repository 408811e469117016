package dev.microkit.notificator;

import java.util.UUID;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.microkit.proto.Notificator;
import dev.microkit.proto.SendEmailReply;
import dev.microkit.proto.SendEmailRequest;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
    private final Counter sentEmails;
    private final Counter duplicates;
    private final Counter invalid;

    @Inject
    NotificatorService(SendEmailRequests requests, SentEmails sent, MeterRegistry meters) {
        this.requests = requests;
        this.sent = sent;
        this.sentEmails = emails(meters, "sent");
        this.duplicates = emails(meters, "duplicate");
        this.invalid = emails(meters, "invalid");
    }

    @Override
    public Uni<SendEmailReply> sendEmail(SendEmailRequest request) {
        String problem = requests.problemWith(request);
        if (problem != null) {
            invalid.increment();
            return Uni.createFrom().failure(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
        }
        String key = request.getIdempotencyKey();
        String id;
        if (key.isEmpty()) {
            id = UUID.randomUUID().toString();
            sentEmails.increment();
            LOG.infof("Sent email %s to %s", id, request.getEmail());
        } else {
            UUID keyed = SentEmails.idFor(key);
            id = keyed.toString();
            if (sent.firstTime(keyed)) {
                sentEmails.increment();
                LOG.infof("Sent email %s to %s", id, request.getEmail());
            } else {
                duplicates.increment();
                LOG.infof("Email %s to %s was sent already (idempotency key %s): not sent again", id,
                        request.getEmail(), key);
            }
        }
        return Uni.createFrom().item(SendEmailReply.newBuilder().setId(id).build());
    }

    /** {@code notificator_emails_total{result="sent|duplicate|invalid"}}. */
    private static Counter emails(MeterRegistry meters, String result) {
        return Counter.builder("notificator.emails").tag("result", result)
                .description("SendEmail requests: sent, not sent again (same idempotency key), refused as invalid")
                .register(meters);
    }
}
