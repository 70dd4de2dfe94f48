package flags

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Snapshot is the flags in force in a [Set] at one moment, for capture
// records, environment snapshots and their diffs, and the admin listing.
type Snapshot struct {
	Flags []FlagValue `json:"flags"` // sorted by name
}

// FlagValue is one flag in a [Snapshot].
type FlagValue struct {
	Name string `json:"name"`
	// Value is the value in force: the decoded value when the Set knows
	// the flag's key (see [WithKeys]), else the value as its provider holds
	// it, with JSON from a file as a generic value (maps, slices, strings,
	// json.Number, bools).
	Value any `json:"value"`
	// Source is where Value came from: [SourceOverride], the Name of a
	// provider, or [SourceDefault].
	Source string `json:"source"`
	// Expires is when an override expires; zero for other sources.
	Expires time.Time `json:"expires,omitzero"`
	// By is who set an override; empty for other sources.
	By string `json:"by,omitempty"`
}

// Get returns the flag named name in the snapshot, and whether it is there.
func (sn Snapshot) Get(name string) (FlagValue, bool) {
	i, ok := slices.BinarySearchFunc(sn.Flags, name, func(f FlagValue, name string) int {
		switch {
		case f.Name < name:
			return -1
		case f.Name > name:
			return 1
		}
		return 0
	})
	if !ok {
		return FlagValue{}, false
	}
	return sn.Flags[i], true
}

// Snapshot returns the flags in force: every key the Set knows (given with
// [WithKeys] or read through it), every override, and every flag of the
// providers that list theirs (see [Lister]). An [Evaluator] is asked for
// the keys the Set knows that no earlier provider has, with no
// [Evaluation]. Overrides that have expired are removed first.
func (s *Set) Snapshot() Snapshot {
	s.mu.Lock()
	expired := s.expireLocked()
	known := *s.known.Load()
	names := make(map[string]struct{}, len(known)+len(s.overrides))
	for name := range known {
		names[name] = struct{}{}
	}
	for name := range s.overrides {
		names[name] = struct{}{}
	}
	st := s.state.Load()
	s.mu.Unlock()
	s.logExpired(expired)

	for _, p := range s.providers {
		if l, ok := p.(Lister); ok {
			for _, name := range l.Names() {
				names[name] = struct{}{}
			}
		}
	}
	sn := Snapshot{Flags: make([]FlagValue, 0, len(names))}
	for name := range names {
		if f := s.inForce(context.Background(), name, st); f.Source != "" {
			sn.Flags = append(sn.Flags, f)
		}
	}
	slices.SortFunc(sn.Flags, func(a, b FlagValue) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return sn
}

// flag returns the flag name as in force now, for the admin handler.
func (s *Set) flag(name string) FlagValue {
	return s.inForce(context.Background(), name, s.state.Load())
}

// knows reports whether name is a key the Set knows, has an override, or
// is held by a provider that is not an Evaluator.
func (s *Set) knows(name string) bool {
	s.mu.Lock()
	_, over := s.overrides[name]
	s.mu.Unlock()
	if over || s.knownKey(name) != nil {
		return true
	}
	for i, p := range s.providers {
		if s.evaluators[i] == nil {
			if _, ok := p.Lookup(name); ok {
				return true
			}
		}
	}
	return false
}

// inForce resolves name in st through every layer, the way Get does for
// a request without an Evaluation, for listings and logs. It returns a
// FlagValue with an empty Source when name is neither set nor a known key.
func (s *Set) inForce(ctx context.Context, name string, st *state) FlagValue {
	k := s.knownKey(name)
	f := FlagValue{Name: name}
	if o, ok := st.overrides[name]; ok {
		f.Source, f.Expires, f.By = SourceOverride, o.expires, o.who
		f.Value = displayRaw(o.raw)
		return s.decodeForDisplay(k, f, o.raw)
	}
	for i, p := range s.providers {
		if e := s.evaluators[i]; e != nil {
			if k == nil {
				continue
			}
			v, err := e.Evaluate(ctx, name, k.kind, Evaluation{})
			if err != nil || v == nil {
				continue
			}
			f.Source = p.Name()
			return s.decodeForDisplay(k, f, v)
		}
		if v, ok := p.Lookup(name); ok && v != nil {
			f.Source = p.Name()
			f.Value = displayRaw(v)
			return s.decodeForDisplay(k, f, v)
		}
	}
	if k != nil {
		f.Source, f.Value = SourceDefault, k.def
	}
	return f
}

// sourceOrNone is the source to log for a flag that may be set nowhere.
func sourceOrNone(source string) string {
	if source == "" {
		return "none"
	}
	return source
}

// knownKey returns the key registered under name, if any.
func (s *Set) knownKey(name string) *keyInfo {
	return (*s.known.Load())[name]
}

func (s *Set) decodeForDisplay(k *keyInfo, f FlagValue, raw any) FlagValue {
	if k == nil {
		return f
	}
	v, err := k.decode(raw)
	if err != nil {
		f.Source, f.Value, f.Expires, f.By = SourceDefault, k.def, time.Time{}, ""
		return f
	}
	f.Value = v
	return f
}

// displayRaw turns a raw value into one fit for a listing: JSON text
// becomes a generic value.
func displayRaw(raw any) any {
	if m, ok := raw.(json.RawMessage); ok {
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			return v
		}
		return string(m)
	}
	return raw
}

// renderValue writes a value for a log line: a duration as "10s", any
// other value as its JSON, escaped and capped by logSafe.
func renderValue(v any) string {
	var text string
	switch v := v.(type) {
	case nil:
		return "null"
	case time.Duration:
		text = v.String()
	case json.RawMessage:
		text = string(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			text = fmt.Sprint(v)
		} else {
			text = string(b)
		}
	}
	return logSafe(text, maxLogValue)
}
