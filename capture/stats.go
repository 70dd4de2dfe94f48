package capture

import "sync/atomic"

// Stats counts what the capture middleware did, so that capture is
// never silent: what was captured and why not, and what the sink did
// with it. A Stats is safe for concurrent use and ready at its zero
// value; give one to several middlewares with WithStats to count a whole
// service.
type Stats struct {
	captured     [4]atomic.Uint64 // by reasonIndex
	rateCapped   atomic.Uint64
	truncated    atomic.Uint64
	sinkErrors   atomic.Uint64
	sinkPanics   atomic.Uint64
	invalidRules atomic.Uint64
}

func reasonIndex(reason string) int {
	switch reason {
	case ReasonRate:
		return 0
	case ReasonDebug:
		return 1
	case ReasonFailure:
		return 2
	}
	return 3
}

// Captured returns how many records were handed to the sink for reason
// (ReasonRate, ReasonDebug or ReasonFailure).
func (s *Stats) Captured(reason string) uint64 { return s.captured[reasonIndex(reason)].Load() }

// CapturedTotal returns how many records were handed to the sink.
func (s *Stats) CapturedTotal() uint64 {
	var n uint64
	for i := range s.captured {
		n += s.captured[i].Load()
	}
	return n
}

// RateCapped returns how many selected requests were not captured
// because of Policy.MaxPerSecond.
func (s *Stats) RateCapped() uint64 { return s.rateCapped.Load() }

// Truncated returns how many bodies were cut at the body limit.
func (s *Stats) Truncated() uint64 { return s.truncated.Load() }

// SinkErrors returns how many times the sink's Write returned an error
// (an AsyncSink's full queue among them).
func (s *Stats) SinkErrors() uint64 { return s.sinkErrors.Load() }

// SinkPanics returns how many times the sink's Write panicked.
func (s *Stats) SinkPanics() uint64 { return s.sinkPanics.Load() }

// InvalidRules returns how many rules were skipped as invalid.
func (s *Stats) InvalidRules() uint64 { return s.invalidRules.Load() }
