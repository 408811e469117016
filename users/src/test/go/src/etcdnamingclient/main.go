// Command etcdnamingclient calls notificators the way a Go service of the seed's world does: grpc-go with etcd's
// naming resolver (go.etcd.io/etcd/clientv3/naming/resolver), target etcd:///<prefix>, round robin over every
// instance listed under the prefix, and no authority override: grpc-go sends the target's endpoint,
// "/services/notificator", as :authority.
// It makes -calls SendEmail calls one after the other and prints one JSON line: calls, failures, the first failure,
// the calls each instance answered with an id, and each instance's Metadata as etcd's naming library reads it
// (go.etcd.io/etcd/clientv3/naming/endpoints: the registry value's JSON, Metadata as any JSON value).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/clientv3"
	naming "go.etcd.io/etcd/clientv3/naming/endpoints"
	"go.etcd.io/etcd/clientv3/naming/resolver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"

	"pbwire"
)

type summary struct {
	Calls        int                    `json:"calls"`
	Failures     int                    `json:"failures"`
	FirstFailure string                 `json:"firstFailure"`
	PerInstance  map[string]int         `json:"perInstance"`
	Metadata     map[string]interface{} `json:"metadata"`
}

func main() {
	endpoints := flag.String("etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated")
	target := flag.String("target", "etcd:////services/notificator", "gRPC target: etcd:/// and the key prefix")
	calls := flag.Int("calls", 40, "SendEmail calls to make, one after the other")
	flag.Parse()

	etcd, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(*endpoints, ","), DialTimeout: 5 * time.Second})
	if err != nil {
		fail("etcd", err)
	}
	defer etcd.Close()
	builder, err := resolver.NewBuilder(etcd)
	if err != nil {
		fail("resolver", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := grpc.DialContext(ctx, *target, grpc.WithResolvers(builder), grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithDefaultServiceConfig(`{"loadBalancingPolicy":"round_robin"}`),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(pbwire.Raw{})))
	cancel()
	if err != nil {
		fail("dial", err)
	}
	defer conn.Close()

	result := summary{Calls: *calls, PerInstance: map[string]int{}, Metadata: map[string]interface{}{}}
	manager, err := naming.NewManager(etcd, strings.TrimPrefix(*target, "etcd:///"))
	if err != nil {
		fail("endpoints", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	listed, err := manager.List(ctx)
	cancel()
	if err != nil {
		fail("list", err)
	}
	for _, endpoint := range listed {
		result.Metadata[endpoint.Addr] = endpoint.Metadata
	}
	for i := 0; i < *calls; i++ {
		request := pbwire.AppendString(pbwire.AppendString(nil, 1, fmt.Sprintf("go%d@example.com", i)), 2,
			"Hello from Go")
		var reply []byte
		var from peer.Peer
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := conn.Invoke(ctx, "/pb.Notificator/SendEmail", &request, &reply, grpc.Peer(&from))
		cancel()
		if err == nil {
			var fields map[int]string
			if fields, err = pbwire.Strings(reply); err == nil && fields[1] == "" {
				err = fmt.Errorf("reply without an id: %x", reply)
			}
		}
		if err != nil {
			result.Failures++
			if result.FirstFailure == "" {
				result.FirstFailure = err.Error()
			}
			continue
		}
		result.PerInstance[from.Addr.String()]++
	}
	line, _ := json.Marshal(result)
	fmt.Println(string(line))
}

func fail(what string, err error) {
	fmt.Fprintln(os.Stderr, what+":", err)
	os.Exit(2)
}
