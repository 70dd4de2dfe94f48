package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/reprokit/reprokit/internal/safetext"
)

// Defaults of [AsyncOptions].
const (
	// DefaultAsyncMaxRecords is how many records an [AsyncSink] holds at
	// most.
	DefaultAsyncMaxRecords = 1024
	// DefaultAsyncMaxBytes is the estimated size of the records an
	// [AsyncSink] holds at most: 16 MiB.
	DefaultAsyncMaxBytes = 16 << 20
)

// ErrQueueFull is the error of a Write to an [AsyncSink] whose queue is
// full: the record was dropped.
var ErrQueueFull = errors.New("capture: sink queue full, record dropped")

// AsyncOptions configures an [AsyncSink]. A zero AsyncOptions, or a nil
// one, consists entirely of default values.
type AsyncOptions struct {
	// MaxRecords is how many records the queue holds at most, the one
	// being written included. If zero or negative,
	// DefaultAsyncMaxRecords (1024) is used.
	MaxRecords int
	// MaxBytes bounds the estimated size of the records in the queue
	// (their strings, headers and bodies). A record that would take the
	// queue past it is dropped, and so is a record larger than MaxBytes
	// on its own. If zero or negative, DefaultAsyncMaxBytes (16 MiB) is
	// used.
	MaxBytes int64
	// Logger receives the sink's own warnings: the first time the queue
	// is full, and the first error and the first panic of the next sink
	// (its type, never a record's content). [AsyncSink.Stats] counts
	// every one. If nil, the sink logs nothing.
	Logger *slog.Logger
}

// AsyncSinkStats are the counters of an [AsyncSink], since it was made.
type AsyncSinkStats struct {
	// Accepted counts the records Write took into the queue.
	Accepted uint64
	// Dropped counts the records that were not written to the next sink:
	// refused by Write for a full queue, or still queued when Close gave
	// up.
	Dropped uint64
	// Written counts the records the next sink's Write took without
	// error.
	Written uint64
	// Errors counts the errors of the next sink: of its Write, and of
	// its Close.
	Errors uint64
	// Panics counts the panics of the next sink's Write and Close, which
	// the AsyncSink recovers.
	Panics uint64
	// Queued is how many records are in the queue now, the one being
	// written included.
	Queued uint64
}

// AsyncSink puts a bounded queue in front of a sink, so that a request
// never waits for a slow one (a file on a busy disk, a network). Write
// takes the record into the queue and returns at once; one goroutine
// hands the records to the next sink in order. When the queue is full,
// by count or by estimated size, Write drops the record, counts it and
// returns [ErrQueueFull]: it never blocks. It is safe for concurrent
// use.
//
// The next sink's errors and panics are counted and logged, never
// returned to Write's caller: the request that made the record has
// moved on. The next sink's Write is called with a context of the
// AsyncSink's own, not the one given to Write, which ends with its
// request; it carries none of the request's values, and is cancelled
// when Close gives up waiting.
//
// Close must be called to stop the goroutine; it writes what was
// accepted first.
type AsyncSink struct {
	next     Sink
	maxRecs  int
	maxBytes int64
	warn     warnOnce

	accepted, dropped, written, errors, panics, queued atomic.Uint64

	wake    chan struct{} // a Write or Close has something for the worker; buffered, never closed
	done    chan struct{} // closed when the worker has returned
	work    context.Context
	abandon context.CancelFunc // cancels work: Close gave up

	mu       sync.Mutex // protects the fields below
	ring     []asyncItem
	head, n  int   // the first item's index in ring, and how many there are
	bytes    int64 // the sum of the items' sizes
	closed   bool
	closeCtx context.Context // the first Close's; the worker closes next with it
	closeErr error           // what next's Close returned; set before done is closed
}

// asyncItem is a queued record and its estimated size.
type asyncItem struct {
	rec  *Record
	size int64
}

var _ Sink = (*AsyncSink)(nil)

// closer is a sink with resources, such as a [FileSink].
type closer interface {
	Close(ctx context.Context) error
}

// NewAsyncSink returns an AsyncSink writing to next, and starts its
// goroutine. o may be nil. It panics if next is nil.
func NewAsyncSink(next Sink, o *AsyncOptions) *AsyncSink {
	if next == nil {
		panic("capture: NewAsyncSink with a nil next sink")
	}
	if o == nil {
		o = &AsyncOptions{}
	}
	s := &AsyncSink{
		next:     next,
		maxRecs:  o.MaxRecords,
		maxBytes: o.MaxBytes,
		warn:     warnOnce{logger: o.Logger},
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if s.maxRecs <= 0 {
		s.maxRecs = DefaultAsyncMaxRecords
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultAsyncMaxBytes
	}
	s.work, s.abandon = context.WithCancel(context.Background())
	go s.run()
	return s
}

// Write queues rec for the next sink and returns at once. It returns
// [ErrQueueFull] when the queue is full (the record is dropped and
// counted), [ErrClosed] after Close and [ErrNilRecord] for a nil rec;
// errors of the next sink are not returned. ctx is not used.
func (s *AsyncSink) Write(_ context.Context, rec *Record) error {
	if rec == nil {
		return ErrNilRecord
	}
	size := recordSize(rec)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.n >= s.maxRecs || s.bytes+size > s.maxBytes {
		s.mu.Unlock()
		s.dropped.Add(1)
		s.warn.warn(warnQueueFull, "capture: async sink: queue full, records are dropped")
		return ErrQueueFull
	}
	if s.n == len(s.ring) {
		s.grow()
	}
	s.ring[(s.head+s.n)%len(s.ring)] = asyncItem{rec: rec, size: size}
	s.n++
	s.bytes += size
	s.queued.Store(uint64(s.n))
	s.mu.Unlock()
	s.accepted.Add(1)
	s.signal()
	return nil
}

// grow doubles the ring, up to maxRecs; s.mu is held and the ring full.
func (s *AsyncSink) grow() {
	c := min(max(2*len(s.ring), 16), s.maxRecs)
	ring := make([]asyncItem, c)
	k := copy(ring, s.ring[s.head:])
	copy(ring[k:], s.ring[:s.head])
	s.ring, s.head = ring, 0
}

// signal wakes the worker, without waiting.
func (s *AsyncSink) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // the worker has a wake-up pending already
	}
}

// run is the worker: it writes the queued records to next, one at a
// time and in order, until Close, then closes next.
func (s *AsyncSink) run() {
	defer close(s.done)
	defer s.abandon()
	for {
		s.mu.Lock()
		for s.n == 0 && !s.closed {
			s.mu.Unlock()
			<-s.wake
			s.mu.Lock()
		}
		if s.n == 0 { // closed and drained
			ctx := s.closeCtx
			s.mu.Unlock()
			s.closeErr = s.closeNext(ctx)
			return
		}
		it := s.ring[s.head]
		s.mu.Unlock()

		if s.work.Err() != nil {
			s.dropped.Add(1)
		} else {
			s.writeNext(it.rec)
		}

		s.mu.Lock()
		s.ring[s.head] = asyncItem{} // let the record go
		s.head = (s.head + 1) % len(s.ring)
		s.n--
		s.bytes -= it.size
		s.queued.Store(uint64(s.n))
		s.mu.Unlock()
	}
}

// writeNext writes rec to next, counting its error or its panic.
func (s *AsyncSink) writeNext(rec *Record) {
	defer func() {
		if v := recover(); v != nil {
			s.panics.Add(1)
			s.warn.warn(warnNextPanic, "capture: async sink: the next sink panicked in Write", slog.String("panic_type", fmt.Sprintf("%T", v)))
		}
	}()
	if err := s.next.Write(s.work, rec); err != nil {
		s.errors.Add(1)
		s.warn.warn(warnNextError, "capture: async sink: the next sink failed", slog.String("error", safetext.Clean(err.Error(), 256)))
		return
	}
	s.written.Add(1)
}

// closeNext closes next if it has a Close method, counting its error or
// its panic.
func (s *AsyncSink) closeNext(ctx context.Context) (err error) {
	c, ok := s.next.(closer)
	if !ok {
		return nil
	}
	defer func() {
		if v := recover(); v != nil {
			s.panics.Add(1)
			s.warn.warn(warnNextPanic, "capture: async sink: the next sink panicked in Close", slog.String("panic_type", fmt.Sprintf("%T", v)))
			err = fmt.Errorf("capture: async sink: the next sink panicked in Close (%T)", v)
		}
	}()
	if err = c.Close(ctx); err != nil {
		s.errors.Add(1)
		s.warn.warn(warnNextClose, "capture: async sink: the next sink failed to close", slog.String("error", safetext.Clean(err.Error(), 256)))
	}
	return err
}

// Close stops accepting records, waits until the records accepted
// before are written to the next sink, then closes the next sink if it
// has a Close method, with ctx, and returns what that returned.
//
// If ctx is done first, Close returns ctx.Err() at once: the record
// being written is left to finish (its Write's context is cancelled),
// the others are dropped and counted, and the next sink is closed, with
// ctx, as soon as that Write returns. The goroutine ends then.
//
// Close may be called more than once, and concurrently with Write.
// Every call waits, up to its own ctx, for the goroutine to end, and
// then returns what the next sink's Close returned.
func (s *AsyncSink) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		s.closeCtx = ctx
	}
	s.mu.Unlock()
	s.signal()
	select {
	case <-s.done: // preferred to an expired ctx when both are ready
		return s.closeErr
	default:
	}
	select {
	case <-s.done:
		return s.closeErr
	case <-ctx.Done():
		s.abandon()
		return ctx.Err()
	}
}

// Stats returns the sink's counters.
func (s *AsyncSink) Stats() AsyncSinkStats {
	return AsyncSinkStats{
		Accepted: s.accepted.Load(),
		Dropped:  s.dropped.Load(),
		Written:  s.written.Load(),
		Errors:   s.errors.Load(),
		Panics:   s.panics.Load(),
		Queued:   s.queued.Load(),
	}
}
