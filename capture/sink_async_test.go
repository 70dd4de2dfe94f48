package capture

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blockingSink is a next sink whose Writes wait until release is closed
// (or, if honorCtx, until their context is done), and which records what
// it gets.
type blockingSink struct {
	entered  chan *Record  // receives each record as its Write starts
	release  chan struct{} // closed to let the Writes go on
	honorCtx bool          // a Write also returns when its context is done
	closed   chan error    // receives the Err of the context Close was given
	mu       sync.Mutex    // protects recs
	recs     []*Record     // the records written, in order
}

func newBlockingSink() *blockingSink {
	return &blockingSink{
		entered: make(chan *Record, 100),
		release: make(chan struct{}),
		closed:  make(chan error, 10),
	}
}

func (b *blockingSink) Write(ctx context.Context, rec *Record) error {
	b.entered <- rec
	if b.honorCtx {
		select {
		case <-b.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	} else {
		<-b.release
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recs = append(b.recs, rec)
	return nil
}

func (b *blockingSink) Close(ctx context.Context) error {
	b.closed <- ctx.Err()
	return nil
}

func (b *blockingSink) ids() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ids []string
	for _, r := range b.recs {
		ids = append(ids, r.ID)
	}
	return ids
}

func recordIDs(from, to int) []string {
	var ids []string
	for i := from; i < to; i++ {
		ids = append(ids, fmt.Sprintf("%032x", i))
	}
	return ids
}

func TestAsyncSinkDropsWhenFull(t *testing.T) {
	size := recordSize(testRecord(0, 100, nil))
	for _, tt := range []struct {
		name   string
		opts   *AsyncOptions
		writes int
		want   int // accepted
	}{
		{name: "by count", opts: &AsyncOptions{MaxRecords: 4}, writes: 10, want: 4},
		{name: "by bytes", opts: &AsyncOptions{MaxBytes: 3*size + size/2}, writes: 10, want: 3},
		{name: "a record larger than MaxBytes", opts: &AsyncOptions{MaxBytes: size - 1}, writes: 3, want: 0},
		{name: "defaults", opts: nil, writes: DefaultAsyncMaxRecords + 5, want: DefaultAsyncMaxRecords},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next := newBlockingSink()
			next.entered = make(chan *Record, tt.writes)
			s := NewAsyncSink(next, tt.opts)
			for i := range tt.writes {
				err := s.Write(t.Context(), testRecord(i, 100, nil))
				if i < tt.want {
					require.NoError(t, err, "record %d", i)
				} else {
					require.ErrorIs(t, err, ErrQueueFull, "record %d", i)
				}
			}
			st := s.Stats()
			assert.Equal(t, AsyncSinkStats{Accepted: uint64(tt.want), Dropped: uint64(tt.writes - tt.want), Queued: uint64(tt.want)}, st)

			close(next.release)
			require.NoError(t, s.Close(t.Context()))
			assert.Equal(t, recordIDs(0, tt.want), next.ids(), "the accepted records, in order")
			st = s.Stats()
			assert.Equal(t, uint64(tt.want), st.Written)
			assert.Zero(t, st.Queued)
		})
	}
}

func TestAsyncSinkMakesRoomAsItWrites(t *testing.T) {
	next := newBlockingSink()
	s := NewAsyncSink(next, &AsyncOptions{MaxRecords: 2})
	require.NoError(t, s.Write(t.Context(), testRecord(0, 10, nil)))
	require.NoError(t, s.Write(t.Context(), testRecord(1, 10, nil)))
	require.ErrorIs(t, s.Write(t.Context(), testRecord(2, 10, nil)), ErrQueueFull)
	<-next.entered
	close(next.release)
	<-next.entered // record 1 is being written: record 0 has left the queue
	require.NoError(t, s.Write(t.Context(), testRecord(3, 10, nil)))
	require.NoError(t, s.Close(t.Context()))
	assert.Equal(t, []string{fmt.Sprintf("%032x", 0), fmt.Sprintf("%032x", 1), fmt.Sprintf("%032x", 3)}, next.ids())
	assert.Equal(t, AsyncSinkStats{Accepted: 3, Dropped: 1, Written: 3}, s.Stats())
}

func TestAsyncSinkCloseDrainsInOrder(t *testing.T) {
	const n = 500
	mem := NewMemorySink(n)
	next := &closeCounter{Sink: mem}
	s := NewAsyncSink(next, &AsyncOptions{MaxRecords: n})
	for i := range n {
		require.NoError(t, s.Write(t.Context(), testRecord(i, 10, nil)))
	}
	require.NoError(t, s.Close(t.Context()))
	var ids []string
	for _, r := range mem.Records() {
		ids = append(ids, r.ID)
	}
	assert.Equal(t, recordIDs(0, n), ids)
	assert.Equal(t, 1, next.closes())
	assert.Equal(t, uint64(n), next.writesAtClose, "next was closed after the last Write")
	assert.Equal(t, AsyncSinkStats{Accepted: n, Written: n}, s.Stats())

	require.NoError(t, s.Close(t.Context()), "a second Close")
	assert.Equal(t, 1, next.closes(), "next is closed once")
	assert.ErrorIs(t, s.Write(t.Context(), testRecord(n, 10, nil)), ErrClosed)
}

// closeCounter is a sink with a Close that counts its calls and returns
// err.
type closeCounter struct {
	Sink
	err           error
	mu            sync.Mutex // protects the fields below
	n             int
	writes        uint64
	writesAtClose uint64
}

func (c *closeCounter) Write(ctx context.Context, rec *Record) error {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Sink.Write(ctx, rec)
}

func (c *closeCounter) Close(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.writesAtClose = c.writes
	return c.err
}

func (c *closeCounter) closes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestAsyncSinkCloseExpired(t *testing.T) {
	for _, tt := range []struct {
		name     string
		honorCtx bool
	}{
		{name: "next ignores its context"},
		{name: "next honours its context", honorCtx: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next := newBlockingSink()
			next.honorCtx = tt.honorCtx
			s := NewAsyncSink(next, nil)
			for i := range 3 {
				require.NoError(t, s.Write(t.Context(), testRecord(i, 10, nil)))
			}
			<-next.entered // the worker is in next.Write

			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			require.ErrorIs(t, s.Close(ctx), context.Canceled)
			assert.ErrorIs(t, s.Write(t.Context(), testRecord(3, 10, nil)), ErrClosed)

			if !tt.honorCtx {
				close(next.release) // the blocked Write returns at last
			}
			// next is closed once its Write has returned, with the
			// expired context, and the worker ends (goleak checks).
			require.ErrorIs(t, <-next.closed, context.Canceled)
			require.NoError(t, s.Close(t.Context()), "Close once the worker has ended")

			st := s.Stats()
			assert.Equal(t, uint64(3), st.Accepted)
			assert.Equal(t, uint64(2), st.Dropped, "the records still queued")
			assert.Zero(t, st.Queued)
			if tt.honorCtx {
				assert.Equal(t, uint64(1), st.Errors, "the cancelled Write")
				assert.Empty(t, next.ids())
			} else {
				assert.Equal(t, uint64(1), st.Written)
				assert.Equal(t, recordIDs(0, 1), next.ids())
			}
		})
	}
}

func TestAsyncSinkNextFailures(t *testing.T) {
	type secretPanic struct{ body string }
	for _, tt := range []struct {
		name       string
		write      func(*Record) error
		closeErr   error
		wantStats  AsyncSinkStats
		wantLog    string
		wantClose  error
		closePanic bool
	}{
		{
			name:      "errors",
			write:     func(r *Record) error { return fmt.Errorf("backend down") },
			wantStats: AsyncSinkStats{Accepted: 3, Errors: 3},
			wantLog:   "backend down",
		},
		{
			name:      "panics",
			write:     func(r *Record) error { panic(secretPanic{r.Request.Body.String()}) },
			wantStats: AsyncSinkStats{Accepted: 3, Panics: 3},
			wantLog:   "capture.secretPanic",
		},
		{
			name:      "panics with an error",
			write:     func(r *Record) error { panic(errors.New(r.Request.Body.String())) },
			wantStats: AsyncSinkStats{Accepted: 3, Panics: 3},
			wantLog:   "*errors.errorString",
		},
		{
			name:      "close fails",
			write:     func(*Record) error { return nil },
			closeErr:  errors.New("flush failed"),
			wantStats: AsyncSinkStats{Accepted: 3, Written: 3, Errors: 1},
			wantLog:   "flush failed",
			wantClose: errors.New("flush failed"),
		},
		{
			name:       "close panics",
			write:      func(*Record) error { return nil },
			closePanic: true,
			wantStats:  AsyncSinkStats{Accepted: 3, Written: 3, Panics: 1},
			wantLog:    "panicked in Close",
			wantClose:  errors.New("capture: async sink: the next sink panicked in Close (string)"),
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			next := &failingSink{write: tt.write, closeErr: tt.closeErr, closePanic: tt.closePanic}
			s := NewAsyncSink(next, &AsyncOptions{Logger: newTestLogger(&logs)})
			for i := range 3 {
				require.NoError(t, s.Write(t.Context(), testRecord(i, 50, nil)), "the caller never sees next's failures")
			}
			err := s.Close(t.Context())
			if tt.wantClose != nil {
				require.EqualError(t, err, tt.wantClose.Error())
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantStats, s.Stats())
			assert.Contains(t, logs.String(), tt.wantLog)
			assert.NotContains(t, logs.String(), bodyMarker)
			assert.Equal(t, 1, countLines(logs.String()), "one warning per kind: %s", logs.String())
		})
	}
}

func countLines(s string) int {
	n := 0
	for _, c := range s {
		if c == '\n' {
			n++
		}
	}
	return n
}

type failingSink struct {
	write      func(*Record) error
	closeErr   error
	closePanic bool
}

func (f *failingSink) Write(_ context.Context, rec *Record) error { return f.write(rec) }

func (f *failingSink) Close(context.Context) error {
	if f.closePanic {
		panic("close " + bodyMarker)
	}
	return f.closeErr
}

func TestAsyncSinkLogsQueueFullOnce(t *testing.T) {
	var logs syncBuffer
	next := newBlockingSink()
	s := NewAsyncSink(next, &AsyncOptions{MaxRecords: 1, Logger: newTestLogger(&logs)})
	for i := range 5 {
		_ = s.Write(t.Context(), testRecord(i, 10, nil))
	}
	close(next.release)
	require.NoError(t, s.Close(t.Context()))
	assert.Equal(t, 1, countLines(logs.String()), logs.String())
	assert.Contains(t, logs.String(), "queue full")
	assert.Equal(t, uint64(4), s.Stats().Dropped)
}

func TestAsyncSinkConcurrentWriteAndClose(t *testing.T) {
	const writers, each = 8, 300
	mem := NewMemorySink(writers * each)
	s := NewAsyncSink(mem, &AsyncOptions{MaxRecords: 64})
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var afterClose, unexpected int
	for w := range writers {
		wg.Go(func() {
			<-start
			closed := false
			for i := range each {
				err := s.Write(context.Background(), testRecord(w*each+i, 10, nil))
				mu.Lock()
				switch {
				case err == nil && closed:
					unexpected++ // accepted after ErrClosed
				case errors.Is(err, ErrClosed):
					closed = true
					afterClose++
				case err != nil && !errors.Is(err, ErrQueueFull):
					unexpected++
				}
				mu.Unlock()
			}
		})
	}
	closeErr := make(chan error, 1)
	go func() {
		<-start
		closeErr <- s.Close(context.Background())
	}()
	close(start)
	wg.Wait()
	require.NoError(t, <-closeErr)

	assert.Zero(t, unexpected)
	st := s.Stats()
	assert.Equal(t, uint64(mem.Len()), st.Written)
	assert.Equal(t, st.Accepted, st.Written, "Close wrote every accepted record")
	assert.Equal(t, uint64(writers*each), st.Accepted+st.Dropped+uint64(afterClose))
	assert.ErrorIs(t, s.Write(t.Context(), testRecord(0, 10, nil)), ErrClosed)
}

func TestAsyncSinkNil(t *testing.T) {
	assert.PanicsWithValue(t, "capture: NewAsyncSink with a nil next sink", func() { NewAsyncSink(nil, nil) })
	s := NewAsyncSink(NewMemorySink(1), nil)
	assert.ErrorIs(t, s.Write(t.Context(), nil), ErrNilRecord)
	require.NoError(t, s.Close(t.Context()))
	assert.Zero(t, s.Stats())
}

func TestAsyncSinkWriteContext(t *testing.T) {
	// next gets a live context even when the request's has ended.
	got := make(chan error, 1)
	s := NewAsyncSink(SinkFunc(func(ctx context.Context, _ *Record) error {
		got <- ctx.Err()
		return nil
	}), nil)
	reqCtx, cancel := context.WithCancel(t.Context())
	cancel()
	require.NoError(t, s.Write(reqCtx, testRecord(0, 10, nil)))
	require.NoError(t, <-got)
	require.NoError(t, s.Close(t.Context()))
}

// discardSink is a next sink that does nothing.
type discardSink struct{}

func (discardSink) Write(context.Context, *Record) error { return nil }

func BenchmarkAsyncSinkWrite(b *testing.B) {
	s := NewAsyncSink(discardSink{}, nil)
	defer s.Close(b.Context())
	rec := testRecord(1, 1024, testEnv("00000000000000e1"))
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Write(ctx, rec) // ErrQueueFull when the worker lags is the request path too
	}
}
