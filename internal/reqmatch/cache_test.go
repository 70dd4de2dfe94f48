package reqmatch

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestCacheCompilesOncePerSlice(t *testing.T) {
	var c Cache[string, int]
	var compiles atomic.Int32
	compile := func(rules []string) int { compiles.Add(1); return len(rules) }
	a := []string{"x", "y"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if got := c.Get(a, compile); got != 2 {
					t.Errorf("Get = %d, want 2", got)
				}
			}
		}()
	}
	wg.Wait()
	if n := compiles.Load(); n != 1 {
		t.Errorf("compiled %d times for one slice, want 1", n)
	}
	b := []string{"x", "y"} // equal content, another slice: new rules
	c.Get(b, compile)
	c.Get(nil, compile)
	c.Get(nil, compile)
	if n := compiles.Load(); n != 3 {
		t.Errorf("compiled %d times for three slices, want 3", n)
	}
}
