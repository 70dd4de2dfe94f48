package ratecap

import (
	"math"
	"sync/atomic"
	"time"
)

// Bucket is the rate cap on selected requests: a token bucket that refills
// at perSecond tokens a second up to a burst of ceil(perSecond) (at least
// one), each sampled request taking one token.
//
// It is kept as the generic cell rate algorithm, which is the same bucket
// seen from the other side: instead of a token count and the time of the
// last refill, it stores one number, the theoretical arrival time (TAT)
// at which the bucket would be full again. A request at time t is allowed
// when TAT - t leaves room for one more token, and then pushes TAT on by
// one interval (1/perSecond). One atomic word and a compare-and-swap: no
// lock, no allocation, and the rate may change between calls (it comes
// from flags), taking effect at once.
//
// Like golang.org/x/time/rate's AllowN, the time is passed in, so tests
// drive it with a fake clock. The zero value is a full bucket. A bucket
// is safe for concurrent use.
type Bucket struct {
	tat atomic.Int64 // Unix nanoseconds; 0 before the first request
}

// Allow reports whether one request at time now fits under a cap of
// perSecond requests a second, and takes its token if so. +Inf allows
// every request; zero, a negative rate or NaN none.
func (b *Bucket) Allow(now time.Time, perSecond float64) bool {
	if math.IsInf(perSecond, 1) {
		return true
	}
	if !(perSecond > 0) {
		return false
	}
	// Below one request in 36 years the interval would overflow: cap it.
	interval := math.Min(float64(time.Second)/perSecond, 1<<60)
	burst := math.Max(1, math.Ceil(perSecond))
	// The bucket may run ahead of now by burst-1 intervals: that is
	// burst tokens spent with none refilled yet.
	lead := int64(interval * (burst - 1))
	step := int64(interval)
	if step < 1 {
		step = 1
	}
	t := now.UnixNano()
	for {
		old := b.tat.Load()
		tat := old
		if tat < t {
			tat = t
		}
		if tat-t > lead {
			return false
		}
		if b.tat.CompareAndSwap(old, tat+step) {
			return true
		}
	}
}
