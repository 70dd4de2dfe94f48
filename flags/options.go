package flags

import (
	"log/slog"
	"time"
)

// Defaults of the Set's options.
const (
	// DefaultMaxTTL is the longest time an override may live unless
	// [WithMaxTTL] says otherwise.
	DefaultMaxTTL = 24 * time.Hour
	// DefaultMaxOverrides is how many overrides may be in force at once
	// unless [WithMaxOverrides] says otherwise.
	DefaultMaxOverrides = 256
	// DefaultMaxValueSize is the longest JSON encoding of an override value,
	// in bytes, unless [WithMaxValueSize] says otherwise.
	DefaultMaxValueSize = 16 << 10
)

// Option configures a [Set].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the resolved set of options of a Set.
type config struct {
	providers    []Provider
	keys         []AnyKey
	logger       *slog.Logger
	now          func() time.Time // nil: time.Now, with a timer for expiries
	maxTTL       time.Duration
	maxOverrides int
	maxValueSize int
}

func newConfig(opts []Option) config {
	c := config{
		logger:       slog.Default(),
		maxTTL:       DefaultMaxTTL,
		maxOverrides: DefaultMaxOverrides,
		maxValueSize: DefaultMaxValueSize,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithProvider adds p to the Set's providers. Providers are consulted in
// the order they were added: the first one that has a flag decides its
// value, so put the most specific first (for example File, then Env, then
// Static). There is none by default, and a nil p is ignored.
func WithProvider(p Provider) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.providers = append(c.providers, p)
		}
	})
}

// WithLogger sets the logger of the Set's own messages: every override set,
// cleared or expired (level Info), and values that do not decode or
// providers that fail (level Warn, once each). The default is
// slog.Default(); a nil logger is ignored.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithClock sets the clock that override expiries are computed and checked
// with, so that tests need not sleep. It must be safe for concurrent use;
// a nil function is ignored.
//
// With the default clock, time.Now, a timer removes each override when it
// expires, and Get does not look at the clock. With a clock given here,
// which no timer can follow, expiry is checked when it is due to matter:
// by Get (one call of now per read while an override is in force),
// Snapshot, Stats, Override and Clear.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithMaxTTL sets the longest time an override may live; longer ones are
// refused with [ErrInvalidTTL]. The default is [DefaultMaxTTL]; a d that
// is not positive is ignored.
func WithMaxTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.maxTTL = d
		}
	})
}

// WithMaxOverrides sets how many overrides may be in force at once; more
// are refused with [ErrTooManyOverrides]. The default is
// [DefaultMaxOverrides]; an n that is not positive is ignored.
func WithMaxOverrides(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxOverrides = n
		}
	})
}

// WithMaxValueSize sets the longest JSON encoding of an override value, in
// bytes; longer ones are refused with [ErrValueTooLarge]. The default is
// [DefaultMaxValueSize]; an n that is not positive is ignored.
func WithMaxValueSize(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxValueSize = n
		}
	})
}

// WithKeys makes the Set know keys before they are first read: they are
// listed with their defaults in [Set.Snapshot], overrides of them are
// checked against their type, and the admin handler accepts their names
// (see [WithUnknownFlags]). A key is known anyway once read through the Set.
// Nil keys are ignored.
func WithKeys(keys ...AnyKey) Option {
	return optionFunc(func(c *config) {
		for _, k := range keys {
			if k != nil && k.key().id != 0 {
				c.keys = append(c.keys, k)
			}
		}
	})
}
