// Command etcdceiling measures what etcd itself can do for POST /create: the create-if-absent transaction that
// users' store makes (if the email index key is absent: put it and the user record; else read it), with -c
// transactions in flight for -d, each on a fresh email. It prints one JSON line: transactions per second, and how
// many failed. etcd's own rate for this transaction is the physical limit of /create on the machine.
//
// The keys are left in place, as /create leaves its users: deleting a hundred thousand keys at once makes etcd 3.4
// slow for good (its bbolt "array" freelist grows, and every later commit scans it: measured 8x fewer /create per
// second afterwards), which would spoil whatever is measured next on that etcd.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"go.etcd.io/etcd/clientv3"

	"benchetcd"
	"benchloop"
)

func main() {
	endpoints := flag.String("etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated")
	concurrency := flag.Int("c", 32, "transactions in flight")
	duration := flag.Duration("d", 10*time.Second, "how long to measure")
	prefix := flag.String("prefix", "/bench-ceiling/", "key prefix")
	flag.Parse()

	client := benchetcd.Open(*endpoints)
	defer client.Close()
	// the user record as users stores it, about this size
	record := `{"id":"00000000-0000-0000-0000-000000000000","email":"bench@example.com",` +
		`"createdAt":"2026-11-26T00:00:00Z","notification":"pending"}`

	result := benchloop.Run(*concurrency, *duration, func(w, i int) error {
		id := fmt.Sprintf("%d-%d", w, i)
		emailKey := *prefix + "by-email/u" + id + "@example.com"
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := client.Txn(ctx).
			If(clientv3.Compare(clientv3.Version(emailKey), "=", 0)).
			Then(clientv3.OpPut(emailKey, id), clientv3.OpPut(*prefix+"by-id/"+id, record)).
			Else(clientv3.OpGet(emailKey)).
			Commit()
		return err
	})
	line, _ := json.Marshal(map[string]interface{}{
		"txns": result.Done, "failed": result.Failed, "seconds": result.Seconds, "perSecond": result.PerSecond(),
	})
	fmt.Println(string(line))
}
