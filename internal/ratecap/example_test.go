package ratecap_test

import (
	"fmt"
	"time"

	"github.com/reprokit/reprokit/internal/ratecap"
)

// A cap of 2 a second admits a burst of 2, then one more each half
// second; the time is passed in, so no example or test sleeps.
func ExampleBucket() {
	var b ratecap.Bucket
	t0 := time.Unix(1700000000, 0)
	for _, at := range []time.Duration{0, 0, 0, 500 * time.Millisecond, 500 * time.Millisecond} {
		fmt.Print(b.Allow(t0.Add(at), 2), " ")
	}
	fmt.Println()
	// Output: true true false true false
}
