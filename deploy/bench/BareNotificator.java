import java.util.UUID;

import dev.microkit.proto.NotificatorGrpc;
import dev.microkit.proto.SendEmailReply;
import dev.microkit.proto.SendEmailRequest;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * The floor for notificator's per-call CPU in the benchmark (P3): a bare grpc-java server (the same grpc-java and
 * Netty as notificator's own gRPC server, and notificator's generated classes) answering SendEmail with an id, and
 * doing nothing else: no validation, idempotency, log line, metrics or traces. Run by deploy/bench/run.sh as a
 * single-file program on notificator's classpath:
 *
 * <pre>java -cp 'notificator/target/quarkus-app/lib/main/*:notificator/target/quarkus-app/app/*' BareNotificator.java PORT</pre>
 */
public class BareNotificator {

    public static void main(String[] args) throws Exception {
        Server server = ServerBuilder.forPort(Integer.parseInt(args[0]))
                // answers on Netty's threads, no hop to an executor: what a server that never blocks should do
                .directExecutor()
                .addService(new NotificatorGrpc.NotificatorImplBase() {
                    @Override
                    public void sendEmail(SendEmailRequest request, StreamObserver<SendEmailReply> answer) {
                        answer.onNext(SendEmailReply.newBuilder().setId(UUID.randomUUID().toString()).build());
                        answer.onCompleted();
                    }
                })
                .build().start();
        System.out.println("Listening on " + server.getPort());
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
        server.awaitTermination();
    }
}
