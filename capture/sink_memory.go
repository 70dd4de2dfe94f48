package capture

import (
	"context"
	"errors"
	"sync"
)

// DefaultMemoryRecords is how many records a [MemorySink] keeps when
// [NewMemorySink] is given no positive number.
const DefaultMemoryRecords = 1000

// ErrNilRecord is the error every sink of this package returns for a nil
// record, which it ignores.
var ErrNilRecord = errors.New("capture: nil record")

// MemorySink keeps the most recent records in memory, in a ring of fixed
// size: once full, each new record takes the place of the oldest one. It
// suits tests, and an admin endpoint that shows the last captures of a
// process. It is safe for concurrent use.
//
// It keeps the records it is given, not copies: as for every [Sink],
// they must not be modified once written.
type MemorySink struct {
	max int

	mu      sync.Mutex // protects the fields below
	ring    []*Record  // grows up to max, then is overwritten in place
	next    int        // index in ring of the oldest record once ring is full
	dropped uint64
}

var _ Sink = (*MemorySink)(nil)

// NewMemorySink returns a MemorySink that keeps the last n records, or
// [DefaultMemoryRecords] if n <= 0. Memory for the records is taken as
// they come, not up front.
func NewMemorySink(n int) *MemorySink {
	if n <= 0 {
		n = DefaultMemoryRecords
	}
	return &MemorySink{max: n}
}

// Write keeps rec, dropping the oldest record if the sink is full. It
// returns [ErrNilRecord] for a nil rec, and never any other error.
func (s *MemorySink) Write(_ context.Context, rec *Record) error {
	if rec == nil {
		return ErrNilRecord
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ring) < s.max {
		s.ring = append(s.ring, rec)
		return nil
	}
	s.ring[s.next] = rec
	s.next = (s.next + 1) % s.max
	s.dropped++
	return nil
}

// Records returns the records the sink holds, oldest first, in a new
// slice.
func (s *MemorySink) Records() []*Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Record, 0, len(s.ring))
	out = append(out, s.ring[s.next:]...)
	return append(out, s.ring[:s.next]...)
}

// Len returns how many records the sink holds.
func (s *MemorySink) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ring)
}

// Dropped returns how many records were dropped to make room for newer
// ones since the sink was made or last Reset.
func (s *MemorySink) Dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Reset empties the sink and sets Dropped back to zero.
func (s *MemorySink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.ring) // let the records go
	s.ring = s.ring[:0]
	s.next = 0
	s.dropped = 0
}
