// Package benchloop is the load loop of the benchmark's Go tools: workers calling as fast as they can until a
// deadline, counting answers and failures.
package benchloop

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Result of a run: calls that succeeded and failed, the first failure's text, and how long it took.
type Result struct {
	Done         int64
	Failed       int64
	FirstFailure string
	Seconds      float64
	// P99Ms is the 99th percentile of the successful calls' latency, in milliseconds.
	P99Ms float64
}

// PerSecond is the rate of successful calls.
func (r Result) PerSecond() float64 {
	return float64(r.Done) / r.Seconds
}

// Run has concurrency workers call call(worker, i), i counting each worker's calls, one after the other, for duration.
func Run(concurrency int, duration time.Duration, call func(worker, i int) error) Result {
	var done, failed int64
	var first atomic.Value
	deadline := time.Now().Add(duration)
	start := time.Now()
	latencies := make([][]time.Duration, concurrency) // one slice per worker: nothing shared while calling
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				began := time.Now()
				if err := call(w, i); err != nil {
					atomic.AddInt64(&failed, 1)
					first.CompareAndSwap(nil, err.Error())
				} else {
					latencies[w] = append(latencies[w], time.Since(began))
					atomic.AddInt64(&done, 1)
				}
			}
		}(w)
	}
	wg.Wait()
	result := Result{Done: done, Failed: failed, Seconds: time.Since(start).Seconds()}
	var all []time.Duration
	for _, worker := range latencies {
		all = append(all, worker...)
	}
	if len(all) > 0 {
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		result.P99Ms = float64(all[(len(all)*99)/100]) / float64(time.Millisecond)
	}
	if text, ok := first.Load().(string); ok {
		result.FirstFailure = text
	}
	return result
}
