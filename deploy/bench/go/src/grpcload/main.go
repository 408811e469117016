// Command grpcload calls SendEmail as users does for each /create (an email, the welcome text, a fresh idempotency
// key), with -c calls in flight over one connection for -d, against one gRPC server: notificator, or the bare
// grpc-java server of deploy/bench (BareNotificator.java) that answers the same message and does nothing else. It
// prints one JSON line: calls answered with an id, calls per second, failures and the first failure.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"pbwire"
)

type summary struct {
	Calls        int64   `json:"calls"`
	PerSecond    float64 `json:"perSecond"`
	Failures     int64   `json:"failures"`
	FirstFailure string  `json:"firstFailure"`
}

func main() {
	target := flag.String("target", "127.0.0.1:8082", "host:port of the gRPC server")
	concurrency := flag.Int("c", 32, "calls in flight")
	duration := flag.Duration("d", 10*time.Second, "how long to measure")
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

	var calls, failures int64
	var firstFailure atomic.Value
	deadline := time.Now().Add(*duration)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				key := fmt.Sprintf("%d-%d-%d", start.UnixNano(), w, i)
				request := pbwire.AppendString(pbwire.AppendString(pbwire.AppendString(nil, 1,
					"u"+key+"@example.com"), 2, "Hi! Thank you for registration..."), 3, key)
				var reply []byte
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := conn.Invoke(ctx, "/pb.Notificator/SendEmail", &request, &reply)
				cancel()
				if err == nil {
					var fields map[int]string
					if fields, err = pbwire.Strings(reply); err == nil && fields[1] == "" {
						err = fmt.Errorf("reply without an id: %x", reply)
					}
				}
				if err != nil {
					atomic.AddInt64(&failures, 1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				atomic.AddInt64(&calls, 1)
			}
		}(w)
	}
	wg.Wait()
	result := summary{Calls: calls, Failures: failures,
		PerSecond: float64(calls) / time.Since(start).Seconds()}
	if first, ok := firstFailure.Load().(string); ok {
		result.FirstFailure = first
	}
	line, _ := json.Marshal(result)
	fmt.Println(string(line))
}
