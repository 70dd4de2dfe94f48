package flags

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// Set holds the flags of a service: its providers in order, the overrides
// set through [Set.Override] or the admin handler, and the decoded value of
// every key read through it. Make one with [NewSet] at start-up and pass it
// to [Key.Get]; a nil *Set is valid and gives every key its default.
//
// A Set is safe for concurrent use. It starts no goroutine of its own: the
// expiry of overrides is a timer (time.AfterFunc), whose function runs
// briefly when it fires, or, with [WithClock], a check on later calls. It
// subscribes to its providers' changes with [Provider.Watch] and stays
// reachable from them as long as they live; it does not close them.
type Set struct {
	logger       *slog.Logger
	now          func() time.Time
	lazyExpiry   bool // a clock was given: Get checks expiries; else a timer does
	maxTTL       time.Duration
	maxOverrides int
	maxValueSize int

	providers  []Provider
	evaluators []Evaluator // evaluators[i] is providers[i] as an Evaluator, or nil
	firstEval  int         // index of the first Evaluator; len(providers) if none

	state atomic.Pointer[state]     // the values in force; replaced on every change
	slots atomic.Pointer[slotTable] // decoded values by key ID; grown under mu

	mu         sync.Mutex           // guards the fields below and serialises changes of state, slots and known
	overrides  map[string]*override // the map in state, copied on write
	nextExpiry time.Time            // earliest expiry of overrides; zero if none
	timerAt    time.Time            // when the armed timer fires; zero if none
	stopTimer  func() bool          // stops the armed timer
	afterFunc  func(time.Duration, func()) (stop func() bool)

	known atomic.Pointer[map[string]*keyInfo] // keys registered with WithKeys or read through the Set; copied on write

	logged sync.Map // "name\x00source\x00problem" of per-call problems already logged

	decodes, decodeErrors, evalErrors        atomic.Uint64
	changes, overridesSet, overridesCleared  atomic.Uint64
	overridesExpired, adminRefused, adminBad atomic.Uint64
}

// Generation returns a number that changes whenever the values in force
// may have changed (a provider's values changed, an override was set,
// cleared or expired), so that a caller reading several flags on every
// request can keep what it derived from them until the number moves. It
// reports whether such caching is sound at all: false when an [Evaluator]
// decides per call. It takes no lock and makes no allocation. On a nil Set
// it returns 0, true.
func (s *Set) Generation() (gen uint64, cacheable bool) {
	if s == nil {
		return 0, true
	}
	st := s.state.Load()
	if !st.nextExpiry.IsZero() && !s.now().Before(st.nextExpiry) {
		st = s.expireDue()
	}
	return st.gen, s.firstEval == len(s.providers)
}

// state is one immutable version of what is in force. Every change (an
// override set, cleared or expired, a provider's values changed) publishes
// a new state with the next generation number, which tells every kept
// decoded value that it may be stale.
type state struct {
	gen        uint64
	overrides  map[string]*override // read-only
	nextExpiry time.Time            // when Get must check expiries; zero if it need not
}

// override is one admin override. It is never modified once made.
type override struct {
	raw     any // json.RawMessage, string or another Go value; see decode.go
	expires time.Time
	who     string // who set it, safe to log
}

// slotTable holds, by key ID, the decoded values of the keys read through
// a Set. It is replaced (never modified in place) when it grows.
type slotTable struct {
	slots []*slot
}

// slot holds a key's decoded value for one Set.
type slot struct {
	cur atomic.Pointer[decoded]
}

// decoded is what a key resolves to in one generation of a Set's state.
type decoded struct {
	gen    uint64
	mode   uint8  // modeDefault, modeValue or modePerCall
	found  bool   // a value was found, whether or not it decoded
	raw    any    // the value found
	source string // the name of the provider it came from, or "override"
	val    any    // the decoded value, when mode is modeValue
}

const (
	modeDefault uint8 = iota // no provider has the flag, or its value does not decode
	modeValue                // val holds the value
	modePerCall              // only an Evaluator can tell: ask it on every call
)

// Sources that are not providers, as they appear in [FlagValue.Source].
const (
	SourceOverride = "override" // an override set with Set.Override or the admin handler
	SourceDefault  = "default"  // the key's default: no provider has a value that decodes
)

// NewSet returns a Set configured by opts: the providers given with
// [WithProvider], in order, and the limits and hooks of the other options.
func NewSet(opts ...Option) *Set {
	c := newConfig(opts)
	s := &Set{
		logger:     c.logger,
		now:        c.now,
		lazyExpiry: c.now != nil,
		afterFunc: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
		maxTTL:       c.maxTTL,
		maxOverrides: c.maxOverrides,
		maxValueSize: c.maxValueSize,
		providers:    c.providers,
		evaluators:   make([]Evaluator, len(c.providers)),
		firstEval:    len(c.providers),
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.known.Store(new(map[string]*keyInfo))
	for i, p := range c.providers {
		if e, ok := p.(Evaluator); ok {
			s.evaluators[i] = e
			s.firstEval = min(s.firstEval, i)
		}
	}
	s.slots.Store(&slotTable{})
	s.state.Store(&state{gen: 1})
	for _, k := range c.keys {
		s.addSlot(k.key())
	}
	for _, p := range c.providers {
		p.Watch(s.providerChanged)
	}
	return s
}

// slot returns the slot of key id, or nil if the Set has none yet.
func (s *Set) slot(id int) *slot {
	if t := s.slots.Load(); id < len(t.slots) {
		return t.slots[id]
	}
	return nil
}

// addSlot returns the slot of k, making it, and registering k as known, on
// the first read of k through s.
func (s *Set) addSlot(k *keyInfo) *slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.slots.Load()
	if k.id < len(t.slots) && t.slots[k.id] != nil {
		return t.slots[k.id]
	}
	n := max(len(t.slots), k.id+1)
	if k.id >= len(t.slots) {
		n = max(n, 2*len(t.slots), 16)
	}
	grown := &slotTable{slots: make([]*slot, n)}
	copy(grown.slots, t.slots)
	sl := new(slot)
	grown.slots[k.id] = sl
	s.slots.Store(grown)
	if known := *s.known.Load(); known[k.name] == nil {
		next := maps.Clone(known)
		if next == nil {
			next = make(map[string]*keyInfo)
		}
		next[k.name] = k
		s.known.Store(&next)
	}
	return sl
}

// providerChanged is the callback every provider is given with Watch.
func (s *Set) providerChanged() {
	s.mu.Lock()
	s.publishLocked(s.overrides)
	s.mu.Unlock()
}

// publishLocked makes overrides (which the caller no longer modifies) part
// of a new state.
func (s *Set) publishLocked(overrides map[string]*override) {
	s.overrides = overrides
	s.nextExpiry = time.Time{}
	for _, o := range overrides {
		if s.nextExpiry.IsZero() || o.expires.Before(s.nextExpiry) {
			s.nextExpiry = o.expires
		}
	}
	st := &state{gen: s.state.Load().gen + 1, overrides: overrides}
	if s.lazyExpiry {
		st.nextExpiry = s.nextExpiry
	} else {
		s.armTimerLocked()
	}
	s.state.Store(st)
	s.changes.Add(1)
}

// armTimerLocked makes the timer fire at the next expiry, if there is one.
func (s *Set) armTimerLocked() {
	if s.timerAt.Equal(s.nextExpiry) && s.stopTimer != nil {
		return
	}
	if s.stopTimer != nil {
		s.stopTimer()
		s.stopTimer, s.timerAt = nil, time.Time{}
	}
	if s.nextExpiry.IsZero() {
		return
	}
	s.timerAt = s.nextExpiry
	s.stopTimer = s.afterFunc(s.nextExpiry.Sub(s.now()), s.timerFired)
}

// timerFired removes the overrides that have expired when the timer
// fires.
func (s *Set) timerFired() {
	s.mu.Lock()
	s.stopTimer, s.timerAt = nil, time.Time{}
	gone := s.expireLocked()
	if len(gone) == 0 {
		s.armTimerLocked() // fired early: wait again
	}
	s.mu.Unlock()
	s.logExpired(gone)
}

// refresh resolves k in st and keeps the result in sl. A value equal to the
// one kept before, from the same source, is not decoded again, so an
// invalid value is counted and logged once however often other flags
// change.
func (s *Set) refresh(k *keyInfo, st *state, sl *slot) *decoded {
	prev := sl.cur.Load()
	d := &decoded{gen: st.gen}
	raw, source, found := s.lookupHead(k.name, st)
	switch {
	case !found && s.firstEval < len(s.providers):
		d.mode = modePerCall
	case !found:
		d.mode = modeDefault
	case prev != nil && prev.found && prev.source == source && sameRaw(prev.raw, raw):
		*d = *prev
		d.gen = st.gen
	default:
		d.found, d.raw, d.source = true, raw, source
		s.decodes.Add(1)
		if v, err := k.decode(raw); err != nil {
			s.decodeErrors.Add(1)
			s.logDecodeError(k, source, err)
			d.mode = modeDefault
		} else {
			d.mode, d.val = modeValue, v
		}
	}
	sl.cur.Store(d)
	return d
}

// lookupHead finds the value of name among the overrides and the
// providers before the first Evaluator: the part of the lookup that does
// not depend on the request.
func (s *Set) lookupHead(name string, st *state) (raw any, source string, found bool) {
	if o, ok := st.overrides[name]; ok {
		return o.raw, SourceOverride, true
	}
	for _, p := range s.providers[:s.firstEval] {
		if v, ok := p.Lookup(name); ok && v != nil {
			return v, p.Name(), true
		}
	}
	return nil, "", false
}

// evaluate resolves k per call through the providers from the first
// Evaluator on, for a key that the overrides and the providers before it
// do not have. It returns the decoded value, or false for the default.
func (s *Set) evaluate(ctx context.Context, k *keyInfo, st *state) (any, bool) {
	if ctx == nil {
		ctx = context.Background()
	}
	ev, _ := EvaluationFromContext(ctx)
	for i := s.firstEval; i < len(s.providers); i++ {
		p := s.providers[i]
		var raw any
		if e := s.evaluators[i]; e != nil {
			v, err := e.Evaluate(ctx, k.name, k.kind, ev)
			switch {
			case err == nil && v != nil:
				raw = v
			case err == nil, errors.Is(err, ErrNotFound):
				continue
			case errors.Is(err, ErrTypeMismatch):
				s.decodeErrors.Add(1)
				s.logOnce(k.name, p.Name(), "mismatch", func() { s.logDecodeError(k, p.Name(), err) })
				return nil, false
			default:
				s.evalErrors.Add(1)
				s.logOnce(k.name, p.Name(), "eval", func() {
					s.logger.LogAttrs(ctx, slog.LevelWarn, "flags: provider failed to evaluate a flag; trying the next",
						slog.String("flag", k.name), slog.String("source", p.Name()),
						slog.String("error", logSafe(err.Error(), maxLogValue)))
				})
				continue
			}
		} else {
			v, ok := p.Lookup(k.name)
			if !ok || v == nil {
				continue
			}
			raw = v
		}
		v, err := k.decode(raw)
		if err != nil {
			s.decodeErrors.Add(1)
			s.logOnce(k.name, p.Name(), "decode", func() { s.logDecodeError(k, p.Name(), err) })
			return nil, false
		}
		return v, true
	}
	return nil, false
}

// logOnce calls log the first time it is called for name, source and
// problem.
func (s *Set) logOnce(name, source, problem string, log func()) {
	if _, seen := s.logged.LoadOrStore(name+"\x00"+source+"\x00"+problem, struct{}{}); !seen {
		log()
	}
}

// maxLogValue caps the length of values and errors written to the log.
const maxLogValue = 256

func (s *Set) logDecodeError(k *keyInfo, source string, err error) {
	s.logger.LogAttrs(context.Background(), slog.LevelWarn, "flags: value does not decode; using the default",
		slog.String("flag", k.name), slog.String("kind", k.kind.String()), slog.String("source", source),
		slog.String("error", logSafe(err.Error(), maxLogValue)))
}

// sameRaw reports whether two raw values are equal.
func sameRaw(a, b any) bool {
	switch a := a.(type) {
	case json.RawMessage:
		b, ok := b.(json.RawMessage)
		return ok && bytes.Equal(a, b)
	case string:
		b, ok := b.(string)
		return ok && a == b
	}
	return reflect.DeepEqual(a, b)
}
