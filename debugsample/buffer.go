package debugsample

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Attribute keys of flushed records.
const (
	// BufferedKey marks every record written from a buffer:
	// debug_buffered=true.
	BufferedKey = "debug_buffered"
	// DroppedKey is the attribute of the record that a flush writes first
	// when the buffer overflowed: how many of the oldest records were
	// dropped.
	DroppedKey = "debug_dropped"
)

// The phases of a buffer.
const (
	phaseOpen      uint32 = iota // the request runs: records are kept
	phaseFlushed                 // the request failed: records are written
	phaseDiscarded               // the request succeeded: records are dropped
)

// buffer keeps the debug records of one buffered request in a ring bounded
// by count and estimated size, until the request ends.
type buffer struct {
	cfg   *config
	start time.Time
	phase atomic.Uint32 // written under mu, read without it by Enabled

	// mu guards the fields below. It is also held while records are
	// written to the next handlers, so that a flush and a record logged
	// at the same time by another goroutine of the request come out in
	// order.
	mu      sync.Mutex
	ring    []entry // grows up to cfg.maxRecords
	head, n int
	bytes   int
	// dropped counts the records lost to overflow since the last flush;
	// droppedAt, dropH and dropCtx are those of the latest, for the
	// notice the flush writes in their place.
	dropped   int
	droppedAt time.Time
	dropH     slog.Handler
	dropCtx   context.Context
}

// entry is one kept record, with the handler it was on its way to and the
// context it was logged with, so that it is written exactly as it would
// have been.
type entry struct {
	h    slog.Handler
	ctx  context.Context
	rec  slog.Record
	size int
}

func newBuffer(cfg *config) *buffer {
	b := &buffer{cfg: cfg}
	if cfg.slow > 0 {
		b.start = cfg.now()
	}
	return b
}

const initialRing = 8

// add keeps r, on its way to h with ctx, or writes or drops it if the
// request has ended.
func (b *buffer) add(h slog.Handler, ctx context.Context, r slog.Record) error {
	if b.phase.Load() == phaseDiscarded {
		b.cfg.stats.discarded.Add(1)
		return nil
	}
	r, size := retain(r)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.phase.Load() {
	case phaseFlushed:
		// A late record of a failed request: written as it comes.
		return h.Handle(ctx, r)
	case phaseDiscarded:
		b.cfg.stats.discarded.Add(1)
		return nil
	}
	if size > b.cfg.maxBytes {
		b.drop(h, ctx, r.Time)
		return nil
	}
	for b.n > 0 && (b.n >= b.cfg.maxRecords || b.bytes+size > b.cfg.maxBytes) {
		old := &b.ring[b.head]
		b.drop(old.h, old.ctx, old.rec.Time)
		b.bytes -= old.size
		*old = entry{}
		b.head = (b.head + 1) % len(b.ring)
		b.n--
	}
	if b.n == len(b.ring) {
		b.grow()
	}
	b.ring[(b.head+b.n)%len(b.ring)] = entry{h: h, ctx: ctx, rec: r, size: size}
	b.n++
	b.bytes += size
	b.cfg.stats.buffered.Add(1)
	return nil
}

// drop counts one record lost to overflow.
func (b *buffer) drop(h slog.Handler, ctx context.Context, t time.Time) {
	b.dropped++
	b.droppedAt, b.dropH, b.dropCtx = t, h, ctx
	b.cfg.stats.dropped.Add(1)
}

// grow doubles the ring, up to the record limit, keeping the order.
func (b *buffer) grow() {
	n := min(max(2*len(b.ring), initialRing), b.cfg.maxRecords)
	ring := make([]entry, n)
	for i := 0; i < b.n; i++ {
		ring[i] = b.ring[(b.head+i)%len(b.ring)]
	}
	b.ring, b.head = ring, 0
}

// flush writes the kept records if the request is still running.
func (b *buffer) flush() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.phase.Load() != phaseOpen {
		return 0
	}
	return b.flushLocked()
}

// flushLocked writes the dropped-records notice, if any, then the kept
// records in order, each marked, and empties the ring.
func (b *buffer) flushLocked() int {
	if b.dropped > 0 {
		note := slog.NewRecord(b.droppedAt, slog.LevelDebug, "debugsample: oldest debug records dropped, buffer full", 0)
		note.AddAttrs(slog.Bool(BufferedKey, true), slog.Int(DroppedKey, b.dropped))
		_ = b.dropH.Handle(b.dropCtx, note)
		b.dropped, b.dropH, b.dropCtx = 0, nil, nil
	}
	n := b.n
	for i := 0; i < n; i++ {
		e := &b.ring[(b.head+i)%len(b.ring)]
		e.rec.AddAttrs(slog.Bool(BufferedKey, true))
		_ = e.h.Handle(e.ctx, e.rec)
		*e = entry{}
	}
	b.head, b.n, b.bytes = 0, 0, 0
	if n > 0 {
		b.cfg.stats.flushes.Add(1)
		b.cfg.stats.flushed.Add(uint64(n))
	}
	return n
}

// end flushes the buffer if the request failed and discards it otherwise,
// once, and sets what happens to records logged later.
func (b *buffer) end(failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.phase.Load() != phaseOpen {
		return
	}
	if failed {
		b.flushLocked()
		b.phase.Store(phaseFlushed)
	} else {
		b.cfg.stats.discarded.Add(uint64(b.n))
		b.phase.Store(phaseDiscarded)
		b.dropH, b.dropCtx = nil, nil
	}
	b.ring, b.head, b.n, b.bytes = nil, 0, 0, 0
}

// retain returns a copy of r that shares nothing with the caller's, with
// its LogValuer attributes resolved now (so the buffer keeps the values of
// the time of the call), and its estimated encoded size. It allocates only
// when r has more attributes than a Record keeps inline, or LogValuers.
func retain(r slog.Record) (slog.Record, int) {
	size := 48 + len(r.Message) // time, level, message, punctuation
	lazy := false
	r.Attrs(func(a slog.Attr) bool {
		size += attrSize(a)
		if needsResolve(a.Value) {
			lazy = true
		}
		return true
	})
	if !lazy {
		return r.Clone(), size
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	size = 48 + len(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		a = resolveAttr(a)
		size += attrSize(a)
		out.AddAttrs(a)
		return true
	})
	return out, size
}

// attrSize estimates the encoded size of a: its key, its value, and
// punctuation. Strings count their length; other scalars 24 bytes.
func attrSize(a slog.Attr) int {
	n := len(a.Key) + 6
	switch a.Value.Kind() {
	case slog.KindString:
		n += len(a.Value.String())
	case slog.KindGroup:
		for _, g := range a.Value.Group() {
			n += attrSize(g)
		}
	default:
		n += 24
	}
	return n
}

func needsResolve(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindLogValuer:
		return true
	case slog.KindGroup:
		for _, a := range v.Group() {
			if needsResolve(a.Value) {
				return true
			}
		}
	}
	return false
}

func resolveAttr(a slog.Attr) slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		group := a.Value.Group()
		out := make([]slog.Attr, len(group))
		for i, g := range group {
			out[i] = resolveAttr(g)
		}
		a.Value = slog.GroupValue(out...)
	}
	return a
}
