package dev.microkit.notificator;

import java.util.concurrent.TimeUnit;

import dev.microkit.proto.NotificatorGrpc;
import dev.microkit.proto.SendEmailReply;
import dev.microkit.proto.SendEmailRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/** A plain grpc-java client over a real connection: what any client of the service would use. */
final class NotificatorChannel implements AutoCloseable {

    private final ManagedChannel channel;

    private NotificatorChannel(ManagedChannel channel) {
        this.channel = channel;
    }

    static NotificatorChannel to(int port) {
        return new NotificatorChannel(ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }

    SendEmailReply sendEmail(String email, String content) {
        return NotificatorGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .sendEmail(SendEmailRequest.newBuilder().setEmail(email).setContent(content).build());
    }

    SendEmailReply sendEmail(String email, String content, String idempotencyKey) {
        return NotificatorGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .sendEmail(SendEmailRequest.newBuilder().setEmail(email).setContent(content)
                        .setIdempotencyKey(idempotencyKey).build());
    }

    /** SendEmail as a call of a trace: this W3C {@code traceparent} in its metadata. */
    SendEmailReply sendEmailIn(String traceparent, String email, String content) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), traceparent);
        return NotificatorGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
                headers)).withDeadlineAfter(5, TimeUnit.SECONDS)
                .sendEmail(SendEmailRequest.newBuilder().setEmail(email).setContent(content).build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
