package flags

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Key is a typed flag: a name and a default. Keys are made once, usually as
// package-level variables, by [Bool], [Int], [Float], [String], [Duration]
// or [JSON], and read with [Key.Get]. A Key is safe for concurrent use and
// may be read through any number of Sets.
//
// The zero Key is not usable: its Get returns the zero value.
type Key[T any] struct {
	info   keyInfo
	def    T
	decode func(raw any) (T, error)
}

// keyInfo is what a Set needs to know of a key, whatever its type.
type keyInfo struct {
	id     int    // index of the key's slot in every Set; 0 for the zero Key
	name   string // a ValidName
	kind   Kind
	def    any                        // the default, boxed once
	decode func(raw any) (any, error) // the key's decoder, boxing its result
}

// lastKeyID numbers keys across the process, so that every Set can keep a
// key's decoded value at a fixed index without a map lookup.
var lastKeyID atomic.Int64

func newKey[T any](name string, kind Kind, def T, decode func(any) (T, error)) *Key[T] {
	if !ValidName(name) {
		panic(fmt.Sprintf("flags: invalid flag name %q", logSafe(name, MaxNameLength)))
	}
	return &Key[T]{
		info: keyInfo{
			id:   int(lastKeyID.Add(1)),
			name: name,
			kind: kind,
			def:  def,
			decode: func(raw any) (any, error) {
				v, err := decode(raw)
				if err != nil {
					return nil, err
				}
				return v, nil
			},
		},
		def:    def,
		decode: decode,
	}
}

// Bool returns a key for a bool flag. A provider's value may be a JSON
// true or false, text that strconv.ParseBool accepts ("true", "1", "f"…),
// or a Go bool. Bool panics if name is not [ValidName], as do the other
// constructors: names are fixed in code, so a bad one is a programming
// error.
func Bool(name string, def bool) *Key[bool] {
	return newKey(name, KindBool, def, decodeBool)
}

// Int returns a key for an integer flag. A provider's value may be a JSON
// number that is an integer ("10", "1e3"), base-10 text ("-42"), or a Go
// integer or integral float within the range of int64.
func Int(name string, def int64) *Key[int64] {
	return newKey(name, KindInt, def, decodeInt)
}

// Float returns a key for a float flag. A provider's value may be a JSON
// number, text that strconv.ParseFloat accepts ("1.5", "2e-3"), or a Go
// number; NaN and infinities are refused.
func Float(name string, def float64) *Key[float64] {
	return newKey(name, KindFloat, def, decodeFloat)
}

// String returns a key for a string flag. A provider's value may be a
// JSON string, or text, taken as it is.
func String(name string, def string) *Key[string] {
	return newKey(name, KindString, def, decodeString)
}

// Duration returns a key for a duration flag. A provider's value may be a
// JSON string or text that time.ParseDuration accepts ("10s", "1m30s"), or
// a Go time.Duration. Numbers are refused: their unit would be a guess.
func Duration(name string, def time.Duration) *Key[time.Duration] {
	return newKey(name, KindDuration, def, decodeDuration)
}

// JSON returns a key for a structured flag, such as a list of sampling
// rules. A provider's value may be any JSON value (from a file, or JSON
// text from the environment), which encoding/json decodes into a T, a Go
// value of type T, or any Go value whose JSON encoding decodes into a T.
//
// The value is decoded once each time it changes, not on every read, and
// the same T is then returned to every caller: when T holds maps, slices or
// pointers, callers must treat what Get returns as read-only.
func JSON[T any](name string, def T) *Key[T] {
	return newKey(name, KindJSON, def, decodeJSON[T])
}

// Name returns the flag's name.
func (k *Key[T]) Name() string { return k.info.name }

// Default returns the value Get returns when no provider has the flag.
func (k *Key[T]) Default() T { return k.def }

// Kind returns the kind of the key, which follows from its constructor.
func (k *Key[T]) Kind() Kind { return k.info.kind }

// DefaultValue returns [Key.Default] as an any, for [AnyKey].
func (k *Key[T]) DefaultValue() any { return k.info.def }

func (k *Key[T]) key() *keyInfo { return &k.info }

// AnyKey is a key of any type: every *[Key] is one. It lets keys of
// different types be listed together, as [WithKeys] does.
type AnyKey interface {
	Name() string
	Kind() Kind
	DefaultValue() any
	key() *keyInfo
}

var (
	_ AnyKey = (*Key[bool])(nil)
	_ AnyKey = (*Key[map[string]any])(nil)
)

// Get returns the value of the flag in force for ctx in s: an override set
// with [Set.Override] if one is in force, else the value of the first
// provider, in the order they were given to [NewSet], that has the flag. It
// returns the default when no provider has the flag, when s is nil, and
// when the value in force does not decode to T; such a value is counted in
// [Stats].DecodeErrors and logged once.
//
// The value found is decoded once per change of s (a provider's values, or
// an override) and then kept, so that with no [Evaluator] among the
// providers, Get takes no lock and makes no allocation (once a key has
// been read through a Set, which registers it there under a lock): it loads
// a few atomic pointers; while an override is in force and a clock was
// given with [WithClock], it also reads the clock.
// An Evaluator, such as the [OpenFeature] provider, decides per call from
// ctx and the [Evaluation] in it, and costs what its SDK costs; providers
// placed before it are still served from the kept values.
func (k *Key[T]) Get(ctx context.Context, s *Set) T {
	if s == nil || k.info.id == 0 {
		return k.def
	}
	st := s.state.Load()
	if st == nil {
		return k.def
	}
	if !st.nextExpiry.IsZero() && !s.now().Before(st.nextExpiry) {
		st = s.expireDue()
	}
	sl := s.slot(k.info.id)
	if sl == nil {
		sl = s.addSlot(&k.info)
	}
	d := sl.cur.Load()
	if d == nil || d.gen != st.gen {
		d = s.refresh(&k.info, st, sl)
	}
	switch d.mode {
	case modeValue:
		v, _ := d.val.(T)
		return v
	case modePerCall:
		if v, ok := s.evaluate(ctx, &k.info, st); ok {
			t, _ := v.(T)
			return t
		}
	}
	return k.def
}
