// Package benchloop is the load loop of the benchmark's Go tools: workers calling as fast as they can until a
// deadline, counting answers and failures.
package benchloop

import (
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
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				if err := call(w, i); err != nil {
					atomic.AddInt64(&failed, 1)
					first.CompareAndSwap(nil, err.Error())
				} else {
					atomic.AddInt64(&done, 1)
				}
			}
		}(w)
	}
	wg.Wait()
	result := Result{Done: done, Failed: failed, Seconds: time.Since(start).Seconds()}
	if text, ok := first.Load().(string); ok {
		result.FirstFailure = text
	}
	return result
}
