package ratecap

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		rate  float64
		steps []time.Duration // offsets from t0 of successive calls
		want  []bool
	}{
		{"burst then wait", 2, []time.Duration{0, 0, 0, 499 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond},
			[]bool{true, true, false, false, true, false}},
		{"fractional rate has a burst of one", 0.5, []time.Duration{0, time.Second, 2 * time.Second, 2 * time.Second},
			[]bool{true, false, true, false}},
		{"idle time refills only to the burst", 3, []time.Duration{0, 0, 0, 0, time.Hour, time.Hour, time.Hour, time.Hour},
			[]bool{true, true, true, false, true, true, true, false}},
		{"infinite", math.Inf(1), []time.Duration{0, 0, 0}, []bool{true, true, true}},
		{"negative", -1, []time.Duration{0, time.Hour}, []bool{false, false}},
		{"zero", 0, []time.Duration{0}, []bool{false}},
		{"NaN", math.NaN(), []time.Duration{0}, []bool{false}},
		{"tiny rate does not overflow", 1e-30, []time.Duration{0, 0, 1000 * time.Hour}, []bool{true, false, false}},
		{"huge rate", 1e15, []time.Duration{0, 0, 0}, []bool{true, true, true}},
		{"clock going back", 1, []time.Duration{time.Hour, 0, time.Hour}, []bool{true, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Bucket
			for i, d := range tt.steps {
				if got := b.Allow(t0.Add(d), tt.rate); got != tt.want[i] {
					t.Errorf("call %d at +%v: %v, want %v", i, d, got, tt.want[i])
				}
			}
		})
	}
}

// TestBucketRateChange: a new rate takes effect at once.
func TestBucketRateChange(t *testing.T) {
	var b Bucket
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		b.Allow(t0, 1000)
	}
	if b.Allow(t0.Add(time.Second), 1) != true || b.Allow(t0.Add(time.Second), 1) != false {
		t.Error("after lowering the rate: want one request, then none")
	}
}

// TestBucketConcurrent: under contention the bucket admits exactly the
// burst at one instant.
func TestBucketConcurrent(t *testing.T) {
	var b Bucket
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				if b.Allow(t0, 50) {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if admitted.Load() != 50 {
		t.Errorf("admitted %d at one instant, want the burst of 50", admitted.Load())
	}
}
