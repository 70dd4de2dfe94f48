package correlation

import "sync/atomic"

// Stats counts what happened to the IDs of incoming requests. A Stats is
// safe for concurrent use and ready at its zero value; pass one to several
// middlewares and interceptors with [WithStats] to count a whole service.
//
// Every request adds one to exactly one of Accepted or Generated; a request
// whose ID was refused also adds one to Rejected, so Rejected is never more
// than Generated.
type Stats struct {
	accepted  atomic.Uint64
	generated atomic.Uint64
	rejected  atomic.Uint64
}

// Accepted returns the number of requests whose incoming ID was kept.
func (s *Stats) Accepted() uint64 { return s.accepted.Load() }

// Generated returns the number of requests that were given a new ID,
// whether they carried none or carried one that was refused.
func (s *Stats) Generated() uint64 { return s.generated.Load() }

// Rejected returns the number of requests whose incoming ID was refused:
// invalid, sent more than once, or sent by an untrusted peer.
func (s *Stats) Rejected() uint64 { return s.rejected.Load() }

func (s *Stats) count(o Outcome) {
	switch o {
	case Accepted:
		s.accepted.Add(1)
	case Rejected:
		s.rejected.Add(1)
		s.generated.Add(1)
	default:
		s.generated.Add(1)
	}
}
