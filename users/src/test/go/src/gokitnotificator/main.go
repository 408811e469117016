// Command gokitnotificator is a notificator of the seed's world: a Go gRPC server of pb.Notificator that registers
// itself in etcd as go-kit's sd/etcdv3 registrar does (key <prefix><address>, the plain "host:port" as value, on a
// lease kept alive) and revokes the lease when it stops. Every email is logged as "Sent email <id> to <email>".
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/clientv3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"pbwire"
)

func sendEmail(_ interface{}, _ context.Context, decode func(interface{}) error,
	_ grpc.UnaryServerInterceptor) (interface{}, error) {
	var request []byte
	if err := decode(&request); err != nil {
		return nil, err
	}
	fields, err := pbwire.Strings(request)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	email := fields[1]
	if !strings.Contains(email, "@") {
		return nil, status.Error(codes.InvalidArgument, "email must be an address")
	}
	random := make([]byte, 16)
	rand.Read(random)
	id := fmt.Sprintf("go-%x", random)
	fmt.Printf("Sent email %s to %s\n", id, email)
	reply := pbwire.AppendString(nil, 1, id)
	return &reply, nil
}

var notificator = grpc.ServiceDesc{
	ServiceName: "pb.Notificator",
	HandlerType: (*interface{})(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "SendEmail", Handler: sendEmail}},
	Metadata:    "notificator.proto",
}

func main() {
	endpoints := flag.String("etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated")
	prefix := flag.String("prefix", "/services/notificator/", "key prefix of the instances")
	listen := flag.String("listen", "127.0.0.1:0", "address to serve gRPC on")
	ttl := flag.Int64("ttl", 5, "lease TTL, seconds")
	flag.Parse()

	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(2)
	}
	addr := listener.Addr().String()
	server := grpc.NewServer(grpc.CustomCodec(pbwire.Raw{}))
	server.RegisterService(&notificator, struct{}{})
	go server.Serve(listener)

	etcd, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(*endpoints, ","), DialTimeout: 5 * time.Second})
	if err != nil {
		fmt.Println("etcd:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	lease, err := etcd.Grant(ctx, *ttl)
	if err == nil {
		_, err = etcd.Put(ctx, *prefix+addr, addr, clientv3.WithLease(lease.ID))
	}
	cancel()
	if err != nil {
		fmt.Println("register:", err)
		os.Exit(2)
	}
	keepAlive, err := etcd.KeepAlive(context.Background(), lease.ID)
	if err != nil {
		fmt.Println("keep-alive:", err)
		os.Exit(2)
	}
	go func() {
		for range keepAlive {
		}
	}()
	fmt.Printf("Registered %s = %s\n", *prefix+addr, addr)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	etcd.Revoke(ctx, lease.ID)
	cancel()
	server.GracefulStop()
	fmt.Println("Deregistered and stopped")
}
