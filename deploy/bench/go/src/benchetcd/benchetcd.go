// Package benchetcd opens the etcd client of the benchmark's Go tools, the same way for each.
package benchetcd

import (
	"fmt"
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/clientv3"
)

// Open connects to the comma-separated endpoints, or exits with status 2 and the reason.
func Open(endpoints string) *clientv3.Client {
	client, err := clientv3.New(clientv3.Config{Endpoints: strings.Split(endpoints, ","), DialTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd:", err)
		os.Exit(2)
	}
	return client
}
