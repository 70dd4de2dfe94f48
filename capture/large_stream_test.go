//go:build !race

// The race detector makes this test twenty times slower and adds nothing
// to it (TestStreamingHashes runs the same path under -race with 8 MiB);
// .ci/run runs it without -race, beside the allocation checks.

package capture_test

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// TestGigabyte streams 1 GiB up and 1 GiB down through a captured
// request over a real connection: both sides see every byte (SHA-256),
// and the heap grows by less than 32 MiB, since capture keeps only its
// cap of each body.
func TestGigabyte(t *testing.T) {
	runtime.GC()
	base := heapBytes()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peak = max(peak, heapBytes())
			}
		}
	}()
	testStreaming(t, 1<<30)
	close(stop)
	wg.Wait()
	grew := int64(peak) - int64(base)
	t.Logf("heap: %d MiB before, peak %d MiB (+%d MiB)", base>>20, peak>>20, grew>>20)
	if grew >= 32<<20 {
		t.Errorf("the heap grew by %d MiB streaming 1 GiB each way; want < 32 MiB", grew>>20)
	}
}

// heapBytes returns the bytes of live and not yet swept heap objects.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
