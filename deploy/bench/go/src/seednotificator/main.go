// Command seednotificator is the seed article's notificator, the peer of deploy/bench's "peer" part: a go-kit
// service (service, logging middleware, endpoint, gRPC transport over protoc's generated code for src-proto) that
// pretends to send an email by making a UUID, registered in etcd on a lease kept alive, as go-kit's sd/etcdv3
// registrar does (key: prefix + address, value: the address), deregistered at SIGTERM before it stops serving.
// Written here from the article's text. Debian's go-kit 0.10 lacks sd/etcdv3, so the registrar's calls (grant,
// put with the lease, keep-alive; revoke) are made with etcd's client directly.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/log"
	grpctransport "github.com/go-kit/kit/transport/grpc"
	"github.com/google/uuid"
	"go.etcd.io/etcd/clientv3"
	"google.golang.org/grpc"

	"pb"
)

// NotificatorService is the service of the article: send an email, answer its id.
type NotificatorService interface {
	SendEmail(ctx context.Context, email string, content string) (string, error)
}

type basicNotificatorService struct{}

func (basicNotificatorService) SendEmail(_ context.Context, _ string, _ string) (string, error) {
	return uuid.New().String(), nil
}

// loggingMiddleware logs every call, as kit's generated service does.
type loggingMiddleware struct {
	logger log.Logger
	next   NotificatorService
}

func (l loggingMiddleware) SendEmail(ctx context.Context, email string, content string) (id string, err error) {
	defer func() {
		l.logger.Log("method", "SendEmail", "email", email, "id", id, "err", err)
	}()
	return l.next.SendEmail(ctx, email, content)
}

type sendEmailRequest struct {
	Email   string
	Content string
}

type sendEmailResponse struct {
	Id  string
	Err error
}

func makeSendEmailEndpoint(s NotificatorService) endpoint.Endpoint {
	return func(ctx context.Context, request interface{}) (interface{}, error) {
		req := request.(sendEmailRequest)
		id, err := s.SendEmail(ctx, req.Email, req.Content)
		return sendEmailResponse{Id: id, Err: err}, nil
	}
}

type grpcServer struct {
	sendEmail grpctransport.Handler
}

func (g *grpcServer) SendEmail(ctx context.Context, req *pb.SendEmailRequest) (*pb.SendEmailReply, error) {
	_, reply, err := g.sendEmail.ServeGRPC(ctx, req)
	if err != nil {
		return nil, err
	}
	return reply.(*pb.SendEmailReply), nil
}

func decodeSendEmailRequest(_ context.Context, r interface{}) (interface{}, error) {
	req := r.(*pb.SendEmailRequest)
	return sendEmailRequest{Email: req.Email, Content: req.Content}, nil
}

func encodeSendEmailResponse(_ context.Context, r interface{}) (interface{}, error) {
	resp := r.(sendEmailResponse)
	if resp.Err != nil {
		return nil, resp.Err
	}
	return &pb.SendEmailReply{Id: resp.Id}, nil
}

func main() {
	endpoints := flag.String("etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated")
	prefix := flag.String("prefix", "/services/notificator/", "key prefix of the instances")
	listen := flag.String("listen", "127.0.0.1:8082", "address to serve gRPC on, and to register")
	ttl := flag.Int64("ttl", 10, "lease TTL, seconds")
	flag.Parse()
	logger := log.With(log.NewLogfmtLogger(os.Stdout), "ts", log.DefaultTimestampUTC)

	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		logger.Log("during", "listen", "err", err)
		os.Exit(2)
	}
	var service NotificatorService = loggingMiddleware{logger, basicNotificatorService{}}
	server := grpc.NewServer()
	pb.RegisterNotificatorServer(server, &grpcServer{sendEmail: grpctransport.NewServer(
		makeSendEmailEndpoint(service), decodeSendEmailRequest, encodeSendEmailResponse)})
	go server.Serve(listener)

	etcd, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(*endpoints, ","), DialTimeout: 5 * time.Second})
	if err != nil {
		logger.Log("during", "etcd", "err", err)
		os.Exit(2)
	}
	key, value := *prefix+*listen, *listen
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	lease, err := etcd.Grant(ctx, *ttl)
	if err == nil {
		_, err = etcd.Put(ctx, key, value, clientv3.WithLease(lease.ID))
	}
	cancel()
	if err != nil {
		logger.Log("during", "register", "err", err)
		os.Exit(2)
	}
	keepAlive, err := etcd.KeepAlive(context.Background(), lease.ID)
	if err != nil {
		logger.Log("during", "keep-alive", "err", err)
		os.Exit(2)
	}
	go func() {
		for range keepAlive {
		}
	}()
	logger.Log("msg", fmt.Sprintf("registered %s = %s", key, value))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	etcd.Revoke(ctx, lease.ID)
	cancel()
	server.GracefulStop()
	logger.Log("msg", "deregistered and stopped")
}
