package flags

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"time"
)

// Override sets value as the value of the flag name, above every provider,
// until ttl has passed or [Set.Clear] is called; who says who asked, for
// the log. Setting an override for a flag that has one replaces it.
//
// The override expires on its own, and its expiry is logged: a timer
// removes it, or, with a clock given by [WithClock], the first read,
// Snapshot, Stats or change after its expiry by that clock does.
//
// Override returns an error wrapping [ErrInvalidName] if name is not
// [ValidName]; [ErrInvalidTTL] if ttl is not positive or above the limit
// (see [WithMaxTTL]); [ErrInvalidValue] if value is nil or JSON null, does
// not encode to JSON, holds invalid UTF-8 or control characters, or does
// not decode to the type of the key of that name that the Set knows (see
// [WithKeys]); [ErrValueTooLarge] if its JSON encoding is above the limit
// (see [WithMaxValueSize]); [ErrTooManyOverrides] if the limit on the
// number of overrides (see [WithMaxOverrides]) is reached. On error nothing
// changes.
//
// A value may be a json.RawMessage (JSON text, decoded strictly as from a
// file), a string (decoded as text, as from the environment) or any other
// Go value (decoded as from [Static]). Every change is logged at level Info
// to the Set's logger with the flag, who, the old and the new value, and
// the expiry.
func (s *Set) Override(name string, value any, ttl time.Duration, who string) error {
	if !ValidName(name) {
		return ErrInvalidName
	}
	if ttl <= 0 || ttl > s.maxTTL {
		return fmt.Errorf("%w (%v)", ErrInvalidTTL, s.maxTTL)
	}
	raw, err := s.checkValue(value)
	if err != nil {
		return err
	}
	who = logSafe(who, maxWho)

	s.mu.Lock()
	expired := s.expireLocked()
	if k := s.knownKey(name); k != nil {
		if _, err := k.decode(raw); err != nil {
			s.mu.Unlock()
			s.logExpired(expired)
			return fmt.Errorf("%w: flag %s is a %s", ErrInvalidValue, name, k.kind)
		}
	}
	if _, replaces := s.overrides[name]; !replaces && len(s.overrides) >= s.maxOverrides {
		s.mu.Unlock()
		s.logExpired(expired)
		return ErrTooManyOverrides
	}
	old := s.inForce(context.Background(), name, s.state.Load())
	o := &override{raw: raw, expires: s.now().Add(ttl), who: who}
	next := maps.Clone(s.overrides)
	if next == nil {
		next = make(map[string]*override, 1)
	}
	next[name] = o
	s.publishLocked(next)
	s.overridesSet.Add(1)
	now := s.inForce(context.Background(), name, s.state.Load())
	s.mu.Unlock()

	s.logExpired(expired)
	s.logger.LogAttrs(context.Background(), slog.LevelInfo, "flags: override set",
		slog.String("flag", name), slog.String("who", who),
		slog.String("old", renderValue(old.Value)), slog.String("old_source", sourceOrNone(old.Source)),
		slog.String("new", renderValue(now.Value)),
		slog.Time("expires", o.expires), slog.String("ttl", ttl.String()))
	return nil
}

// Clear removes the override of the flag name, so that its providers
// decide again; who says who asked, for the log. It returns an error
// wrapping [ErrInvalidName] if name is not [ValidName], and [ErrNoOverride]
// if the flag has no override in force.
func (s *Set) Clear(name string, who string) error {
	if !ValidName(name) {
		return ErrInvalidName
	}
	who = logSafe(who, maxWho)
	s.mu.Lock()
	expired := s.expireLocked()
	if _, ok := s.overrides[name]; !ok {
		s.mu.Unlock()
		s.logExpired(expired)
		return ErrNoOverride
	}
	old := s.inForce(context.Background(), name, s.state.Load())
	next := maps.Clone(s.overrides)
	delete(next, name)
	s.publishLocked(next)
	s.overridesCleared.Add(1)
	now := s.inForce(context.Background(), name, s.state.Load())
	s.mu.Unlock()

	s.logExpired(expired)
	s.logger.LogAttrs(context.Background(), slog.LevelInfo, "flags: override cleared",
		slog.String("flag", name), slog.String("who", who),
		slog.String("old", renderValue(old.Value)), slog.Time("old_expires", old.Expires),
		slog.String("new", renderValue(now.Value)), slog.String("new_source", sourceOrNone(now.Source)))
	return nil
}

// maxWho caps the length of who in logs and listings.
const maxWho = 128

// expired is an override removed because it expired, to be logged once the
// lock is released.
type expired struct {
	name string
	o    *override
	now  FlagValue
}

// expireDue removes the overrides whose time has come, logs them, and
// returns the state now in force. Get calls it when the clock passes the
// earliest expiry.
func (s *Set) expireDue() *state {
	s.mu.Lock()
	gone := s.expireLocked()
	st := s.state.Load()
	s.mu.Unlock()
	s.logExpired(gone)
	return st
}

func (s *Set) expireLocked() []expired {
	if s.nextExpiry.IsZero() {
		return nil
	}
	now := s.now()
	if now.Before(s.nextExpiry) {
		return nil
	}
	var gone []expired
	next := make(map[string]*override, len(s.overrides))
	for name, o := range s.overrides {
		if now.Before(o.expires) {
			next[name] = o
		} else {
			gone = append(gone, expired{name: name, o: o})
		}
	}
	s.publishLocked(next)
	s.overridesExpired.Add(uint64(len(gone)))
	st := s.state.Load()
	for i := range gone {
		gone[i].now = s.inForce(context.Background(), gone[i].name, st)
	}
	return gone
}

func (s *Set) logExpired(gone []expired) {
	for _, e := range gone {
		s.logger.LogAttrs(context.Background(), slog.LevelInfo, "flags: override expired",
			slog.String("flag", e.name), slog.String("who", "expiry"), slog.String("set_by", e.o.who),
			slog.String("old", renderValue(displayRaw(e.o.raw))), slog.Time("old_expires", e.o.expires),
			slog.String("new", renderValue(e.now.Value)), slog.String("new_source", sourceOrNone(e.now.Source)))
	}
}

// checkValue returns value as an override may hold it, or why it may not.
func (s *Set) checkValue(value any) (any, error) {
	var text []byte
	switch v := value.(type) {
	case nil:
		return nil, fmt.Errorf("%w: nil", ErrInvalidValue)
	case json.RawMessage:
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, fmt.Errorf("%w: not JSON", ErrInvalidValue)
		}
		text = buf.Bytes()
		value = json.RawMessage(text)
	case string:
		if !printableText(v) {
			return nil, fmt.Errorf("%w: control characters or invalid UTF-8", ErrInvalidValue)
		}
		if len(v) > s.maxValueSize {
			return nil, ErrValueTooLarge
		}
		return v, nil
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: not encodable as JSON", ErrInvalidValue)
		}
		text = b
	}
	if len(text) > s.maxValueSize {
		return nil, ErrValueTooLarge
	}
	if err := checkJSONText(text); err != nil {
		return nil, err
	}
	return value, nil
}

// checkJSONText checks that text is one JSON value, not null, whose
// strings (keys included) are valid UTF-8 free of control characters.
func checkJSONText(text []byte) error {
	if string(text) == "null" {
		return fmt.Errorf("%w: null", ErrInvalidValue)
	}
	// encoding/json accepts invalid UTF-8 in strings (and replaces it when
	// decoding), so the bytes are checked first.
	if !printableText(string(text)) {
		return fmt.Errorf("%w: control characters or invalid UTF-8", ErrInvalidValue)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: not JSON", ErrInvalidValue)
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
				if depth > maxJSONDepth {
					return fmt.Errorf("%w: nested too deep", ErrInvalidValue)
				}
			} else {
				depth--
			}
		case string:
			if !printableText(t) {
				return fmt.Errorf("%w: control characters or invalid UTF-8", ErrInvalidValue)
			}
		}
	}
}

// maxJSONDepth caps the nesting of an override value.
const maxJSONDepth = 32
