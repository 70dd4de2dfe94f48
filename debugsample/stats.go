package debugsample

import "sync/atomic"

// Stats counts the decisions of a [Sampler] and what happened to the debug
// records of its buffered requests. A Stats is safe for concurrent use and
// ready at its zero value; pass one to several samplers with [WithStats]
// to count a whole service.
//
// Every decision adds one to Decisions of exactly one mode. A capped
// request adds one to RateCapped and to Decisions(Off). A record kept in a
// buffer (Buffered) ends up, once its request has ended, in exactly one of
// Flushed, Dropped (pushed out by overflow) or Discarded (its request
// succeeded). A record too large for an empty buffer is counted in
// Dropped only, and one logged after a successful request ended in
// Discarded only, when it gets past Enabled.
type Stats struct {
	decisions      [Live + 1]atomic.Uint64
	tokensAccepted atomic.Uint64
	tokensRefused  [numRefusals]atomic.Uint64
	baggageIgnored atomic.Uint64
	capped         atomic.Uint64
	invalidRules   atomic.Uint64
	buffered       atomic.Uint64
	flushed        atomic.Uint64
	flushes        atomic.Uint64
	dropped        atomic.Uint64
	discarded      atomic.Uint64
}

// Decisions returns the number of requests decided m.
func (s *Stats) Decisions(m Mode) uint64 {
	if int(m) >= len(s.decisions) {
		return 0
	}
	return s.decisions[m].Load()
}

// TokensAccepted returns the number of valid debug tokens, whether or not
// the rate cap then let their request be live.
func (s *Stats) TokensAccepted() uint64 { return s.tokensAccepted.Load() }

// TokensRefused returns the number of debug tokens refused for reason why.
func (s *Stats) TokensRefused(why TokenRefusal) uint64 {
	if int(why) >= len(s.tokensRefused) {
		return 0
	}
	return s.tokensRefused[why].Load()
}

// TokensRefusedTotal returns the number of debug tokens refused for any
// reason.
func (s *Stats) TokensRefusedTotal() uint64 {
	var n uint64
	for i := range s.tokensRefused {
		n += s.tokensRefused[i].Load()
	}
	return n
}

// BaggageIgnored returns the number of requests whose debug baggage member
// was ignored because their peer is not trusted.
func (s *Stats) BaggageIgnored() uint64 { return s.baggageIgnored.Load() }

// RateCapped returns the number of requests selected for debug logging
// (by any means) that the rate cap turned off.
func (s *Stats) RateCapped() uint64 { return s.capped.Load() }

// InvalidRules returns the number of rules skipped as invalid, counted
// each time the rules change.
func (s *Stats) InvalidRules() uint64 { return s.invalidRules.Load() }

// Buffered returns the number of debug records kept in buffers.
func (s *Stats) Buffered() uint64 { return s.buffered.Load() }

// Flushed returns the number of buffered records written by flushes.
func (s *Stats) Flushed() uint64 { return s.flushed.Load() }

// Flushes returns the number of flushes that wrote at least one record.
func (s *Stats) Flushes() uint64 { return s.flushes.Load() }

// Dropped returns the number of buffered records dropped because their
// buffer was full (the oldest go first).
func (s *Stats) Dropped() uint64 { return s.dropped.Load() }

// Discarded returns the number of debug records thrown away because their
// buffered request succeeded, including those logged after it ended.
func (s *Stats) Discarded() uint64 { return s.discarded.Load() }
