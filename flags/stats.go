package flags

// Stats counts what a [Set] did, for metrics and tests. Read it with
// [Set.Stats]; every field only grows, except OverridesActive.
type Stats struct {
	Decodes      uint64 // values decoded: once per key and new value, not per read
	DecodeErrors uint64 // values that did not decode to their key's type; the default was used
	EvalErrors   uint64 // Evaluator errors other than "not found" and type mismatch
	Changes      uint64 // times the values in force changed (overrides, provider reloads)

	FileReloads      uint64 // new versions of watched files loaded, after the first load
	FileReloadErrors uint64 // versions of watched files refused: unreadable, too large, invalid

	OverridesSet     uint64 // overrides set
	OverridesCleared uint64 // overrides cleared before they expired
	OverridesExpired uint64 // overrides that expired
	OverridesActive  int    // overrides in force now

	AdminRefused  uint64 // admin requests that authorize refused
	AdminRejected uint64 // authorized admin requests refused as invalid
}

// fileStatser is implemented by the file provider, whose counts Stats adds.
type fileStatser interface {
	fileStats() (reloads, errors uint64)
}

// Stats returns the Set's counters.
func (s *Set) Stats() Stats {
	st := Stats{
		Decodes:          s.decodes.Load(),
		DecodeErrors:     s.decodeErrors.Load(),
		EvalErrors:       s.evalErrors.Load(),
		Changes:          s.changes.Load(),
		OverridesSet:     s.overridesSet.Load(),
		OverridesCleared: s.overridesCleared.Load(),
		OverridesExpired: s.overridesExpired.Load(),
		AdminRefused:     s.adminRefused.Load(),
		AdminRejected:    s.adminBad.Load(),
	}
	for _, p := range s.providers {
		if f, ok := p.(fileStatser); ok {
			r, e := f.fileStats()
			st.FileReloads += r
			st.FileReloadErrors += e
		}
	}
	s.mu.Lock()
	expired := s.expireLocked()
	st.OverridesActive = len(s.overrides)
	st.OverridesExpired = s.overridesExpired.Load()
	s.mu.Unlock()
	s.logExpired(expired)
	return st
}
