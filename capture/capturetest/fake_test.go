package capturetest

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// fakeT is a testing.TB that records failures and logs instead of
// failing the test that runs it, so that the failures of capturetest's
// helpers can be tested. Methods it does not override go to the real t.
type fakeT struct {
	testing.TB
	mu     sync.Mutex // protects the fields below
	errors []string
	fatal  string
	logs   []string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

// report returns everything f recorded, for messages.
func (f *fakeT) report() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("fatal: %q\nerrors: %q\nlogs: %q", f.fatal, f.errors, f.logs)
}

// quiet reports whether f recorded nothing: no failure, no log.
func (f *fakeT) quiet() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fatal == "" && len(f.errors) == 0 && len(f.logs) == 0
}

// run calls fn with a fakeT on a goroutine of its own, as t.Fatal ends
// the goroutine it is called on, and returns the fakeT when fn returns
// or stops.
func run(t *testing.T, fn func(t testing.TB)) *fakeT {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}
