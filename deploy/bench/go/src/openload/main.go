// Command openload overloads POST /create on purpose, open loop: requests are sent on schedule whether or not the
// earlier ones were answered, over as many connections as that takes, the way many independent clients arrive.
//
//  1. capacity: -c closed-loop clients for -warm, creates per second answered 201;
//  2. overload: -factor times that rate for -d, open loop; every answer counted by status, 503s with and without
//     Retry-After apart;
//  3. recovery: the moment sending stops, -c closed-loop clients again, 201 per 250 ms window for 3 s;
//  4. truth: every email answered 503 is looked up in etcd (-etcd): a 503 says nothing was stored.
//
// It prints one JSON line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"

	"benchetcd"
	"benchloop"
)

type answers struct {
	mu         sync.Mutex
	byStatus   map[int]int64
	noRetry503 int64
	errors     int64
	firstError string
	refused    []string // emails answered 503
	millis     []float64
}

func (a *answers) add(email string, status int, retryAfter string, took time.Duration, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.errors++
		if a.firstError == "" {
			a.firstError = err.Error()
		}
		return
	}
	a.byStatus[status]++
	a.millis = append(a.millis, float64(took.Microseconds())/1000)
	if status == 503 {
		a.refused = append(a.refused, email)
		if retryAfter == "" {
			a.noRetry503++
		}
	}
}

func main() {
	users := flag.String("users", "http://127.0.0.1:8802", "users' base URL")
	endpoints := flag.String("etcd", "http://127.0.0.1:2379", "etcd endpoints, comma-separated")
	clients := flag.Int("c", 32, "closed-loop clients for the capacity and the recovery")
	warm := flag.Duration("warm", 5*time.Second, "how long the capacity is measured")
	factor := flag.Float64("factor", 3, "the open-loop rate, in times the capacity")
	duration := flag.Duration("d", 10*time.Second, "how long the open-loop load lasts")
	flag.Parse()

	transport := &http.Transport{MaxIdleConns: 100000, MaxIdleConnsPerHost: 100000, IdleConnTimeout: 30 * time.Second}
	http.DefaultClient = &http.Client{Transport: transport, Timeout: 15 * time.Second}
	run := fmt.Sprintf("o%d", time.Now().UnixNano())
	var seq int64
	create := func() (string, int, string, time.Duration, error) {
		email := fmt.Sprintf("%s-%d@example.com", run, atomic.AddInt64(&seq, 1))
		start := time.Now()
		response, err := http.Post(*users+"/create", "", strings.NewReader(`{"email": "`+email+`"}`))
		if err != nil {
			return email, 0, "", time.Since(start), err
		}
		io.Copy(io.Discard, response.Body)
		response.Body.Close()
		return email, response.StatusCode, response.Header.Get("Retry-After"), time.Since(start), nil
	}
	closedLoop := func(d time.Duration, each func(status int)) benchloop.Result {
		return benchloop.Run(*clients, d, func(worker, i int) error {
			_, status, _, _, err := create()
			if err != nil {
				return err
			}
			each(status)
			if status != 201 {
				return fmt.Errorf("status %d", status)
			}
			return nil
		})
	}

	capacity := closedLoop(*warm, func(int) {}).PerSecond()
	rate := capacity * *factor
	total := int(rate * duration.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	open := &answers{byStatus: map[int]int64{}}
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < total; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			email, status, retryAfter, took, err := create()
			open.add(email, status, retryAfter, took, err)
		}()
	}
	sentFor := time.Since(start)

	// recovery, from the moment sending stopped (the open load's last answers may still come meanwhile)
	windows := make([]int64, 12)
	recoveryStart := time.Now()
	closedLoop(3*time.Second, func(status int) {
		if w := int(time.Since(recoveryStart) / (250 * time.Millisecond)); status == 201 && w < len(windows) {
			atomic.AddInt64(&windows[w], 1)
		}
	})
	wg.Wait()

	client := benchetcd.Open(*endpoints)
	defer client.Close()
	stored503 := 0
	for _, email := range open.refused {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		got, err := client.Get(ctx, "/users/by-email/"+email, clientv3.WithCountOnly())
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "etcd:", err)
			os.Exit(2)
		}
		if got.Count > 0 {
			stored503++
		}
	}

	sort.Float64s(open.millis)
	p99 := 0.0
	if n := len(open.millis); n > 0 {
		p99 = open.millis[n*99/100]
	}
	statuses := map[string]int64{}
	for status, n := range open.byStatus {
		statuses[fmt.Sprint(status)] = n
	}
	perSecond := make([]float64, len(windows))
	for i, n := range windows {
		perSecond[i] = float64(n) * 4
	}
	out, _ := json.Marshal(map[string]interface{}{
		"capacity_per_s": capacity, "open_rate_per_s": rate, "sent": total, "sent_in_s": sentFor.Seconds(),
		"statuses": statuses, "errors": open.errors, "first_error": open.firstError,
		"503_without_retry_after": open.noRetry503, "503_stored": stored503, "p99_ms": p99,
		"recovery_201_per_s_by_250ms": perSecond,
	})
	fmt.Println(string(out))
}
