// Command keyprobe times a service's start to its key in etcd, the same way for every service: it watches -key,
// prints "watching" once etcd has confirmed the watch, then, when the key is put, the Unix time of that moment in
// milliseconds, and exits (2 when -timeout passes first). The caller notes the time, starts the service after
// "watching", and subtracts.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/mvcc/mvccpb"

	"benchetcd"
)

func main() {
	endpoints := flag.String("etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated")
	key := flag.String("key", "", "the key to wait for")
	timeout := flag.Duration("timeout", 60*time.Second, "how long to wait for it")
	flag.Parse()

	etcd := benchetcd.Open(*endpoints)
	defer etcd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	for response := range etcd.Watch(ctx, *key, clientv3.WithCreatedNotify()) {
		if response.Created {
			fmt.Println("watching")
			continue
		}
		for _, event := range response.Events {
			if event.Type == mvccpb.PUT {
				fmt.Println(time.Now().UnixNano() / int64(time.Millisecond))
				return
			}
		}
	}
	fmt.Fprintln(os.Stderr, "no put of", *key, "within", *timeout)
	os.Exit(2)
}
