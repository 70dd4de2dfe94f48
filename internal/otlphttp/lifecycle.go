package otlphttp

import (
	"context"
	"sync"
)

// lifecycle tracks the exports in flight so that Shutdown can refuse new
// ones, wait for the running ones and abort them when its context ends. It
// is safe for concurrent use.
type lifecycle struct {
	mu     sync.Mutex // protects closed, and orders active.Add before active.Wait
	closed bool
	active sync.WaitGroup

	stop   context.Context // done once Shutdown gives up waiting or returns
	cancel context.CancelCauseFunc
}

func newLifecycle() *lifecycle {
	l := new(lifecycle)
	l.stop, l.cancel = context.WithCancelCause(context.Background())
	return l
}

// enter registers an export. It reports false, registering nothing, once
// Shutdown has been called.
func (l *lifecycle) enter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.active.Add(1)
	return true
}

// leave ends an export registered by enter.
func (l *lifecycle) leave() { l.active.Done() }

// bind returns a context that is also cancelled, with cause ErrShutdown,
// when Shutdown aborts the exports in flight. The returned function must
// be called when the export ends.
func (l *lifecycle) bind(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(l.stop, func() { cancel(ErrShutdown) })
	return ctx, func() {
		stop()
		cancel(nil)
	}
}

// shutdown refuses new exports, waits for those in flight until ctx ends,
// then aborts any left and waits for them to return, which they do
// promptly because their contexts are cancelled. It reports whether this
// call was the first; later calls return at once with a nil error.
func (l *lifecycle) shutdown(ctx context.Context) (first bool, err error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false, nil
	}
	l.closed = true
	l.mu.Unlock()

	done := make(chan struct{})
	go func() {
		l.active.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	l.cancel(ErrShutdown)
	<-done
	return true, err
}
