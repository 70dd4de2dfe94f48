package otlphttp

import "sync/atomic"

// Stats counts what an exporter did since it was made. Counts only grow.
type Stats struct {
	// Exports is the number of Export calls that delivered their data.
	Exports uint64
	// Failures is the number of Export calls that returned an error,
	// their data lost, refusals after Shutdown included.
	Failures uint64
	// Retries is the number of attempts made after a first one failed
	// with a retryable status or a network error.
	Retries uint64
	// PartialSuccesses is the number of accepted exports whose response
	// reported rejected items or a warning.
	PartialSuccesses uint64
	// Rejected is the number of spans, data points or log records the
	// receiver reported as rejected in partial successes.
	Rejected uint64
	// LastPartialSuccess is the sanitized message of the latest partial
	// success that had one.
	LastPartialSuccess string
}

// counters is the concurrent form of Stats.
type counters struct {
	exports, failures, retries, partials, rejected atomic.Uint64
	lastPartial                                    atomic.Pointer[string]
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Exports:          c.exports.Load(),
		Failures:         c.failures.Load(),
		Retries:          c.retries.Load(),
		PartialSuccesses: c.partials.Load(),
		Rejected:         c.rejected.Load(),
	}
	if p := c.lastPartial.Load(); p != nil {
		s.LastPartialSuccess = *p
	}
	return s
}
