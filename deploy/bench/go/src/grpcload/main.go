// Command grpcload calls SendEmail as users does for each /create: an email, the welcome text, a fresh idempotency
// key, and the W3C trace context of a trace of its own that is not sampled, as users' default sampler ratio 0 gives
// every call (-traceparent=false: none). -c calls in flight over one connection for -d, against one gRPC server:
// notificator, or the bare grpc-java server of deploy/bench (BareNotificator.java) that answers the same message and
// does nothing else. It prints one JSON line: calls answered with an id, calls per second, failures, the first
// failure and the p99 latency of the calls answered.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"benchloop"
	"pbwire"
)

type summary struct {
	Calls        int64   `json:"calls"`
	PerSecond    float64 `json:"perSecond"`
	Failures     int64   `json:"failures"`
	FirstFailure string  `json:"firstFailure"`
	P99Ms        float64 `json:"p99Ms"`
}

func main() {
	target := flag.String("target", "127.0.0.1:8082", "host:port of the gRPC server")
	concurrency := flag.Int("c", 32, "calls in flight")
	duration := flag.Duration("d", 10*time.Second, "how long to measure")
	traced := flag.Bool("traceparent", true, "send each call an unsampled W3C traceparent, as users does")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	conn, err := grpc.DialContext(ctx, *target, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(pbwire.Raw{})))
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(2)
	}
	defer conn.Close()
	started := time.Now().UnixNano()

	run := benchloop.Run(*concurrency, *duration, func(w, i int) error {
		key := fmt.Sprintf("%d-%d-%d", started, w, i)
		request := pbwire.AppendString(pbwire.AppendString(pbwire.AppendString(nil, 1,
			"u"+key+"@example.com"), 2, "Hi! Thank you for registration..."), 3, key)
		var reply []byte
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if *traced { // trace id: the run's start and the call; parent span id: the call; flags 00: not sampled
			ctx = metadata.AppendToOutgoingContext(ctx, "traceparent",
				fmt.Sprintf("00-%016x%08x%08x-%08x%08x-00", started, w, i, w+1, i+1))
		}
		if err := conn.Invoke(ctx, "/pb.Notificator/SendEmail", &request, &reply); err != nil {
			return err
		}
		fields, err := pbwire.Strings(reply)
		if err == nil && fields[1] == "" {
			err = fmt.Errorf("reply without an id: %x", reply)
		}
		return err
	})
	result := summary{Calls: run.Done, PerSecond: run.PerSecond(), Failures: run.Failed, FirstFailure: run.FirstFailure,
		P99Ms: run.P99Ms}
	line, _ := json.Marshal(result)
	fmt.Println(string(line))
}
