package capture

import (
	"errors"
	"log/slog"
	"time"

	"github.com/reprokit/reprokit/flags"
)

// DefaultBodyLimit is how many bytes of each body a record keeps when
// WithBodyLimit is not given.
const DefaultBodyLimit = 64 << 10

// An Option configures the middleware of [NewMiddleware].
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	redactor *Redactor
	static   view
	policy   Policy
	flags    *flags.Set
	rules    ruleCache
	debug    bool
	limit    int
	env      func() *Env
	logger   *slog.Logger
	stats    *Stats
	now      func() time.Time
}

func newConfig(opts []Option) *config {
	c := &config{
		debug:  true,
		limit:  DefaultBodyLimit,
		logger: slog.Default(),
		now:    time.Now,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.redactor == nil {
		c.redactor = NewRedactor(Rules{})
	}
	if c.stats == nil {
		c.stats = new(Stats)
	}
	if c.env == nil {
		c.env = CachedEnv(&EnvOptions{Flags: c.flags, Redactor: c.redactor})
	}
	rules, errs := compileRules(c.policy.Rules)
	c.static = c.policy.view(rules)
	if len(errs) > 0 {
		c.stats.invalidRules.Add(uint64(len(errs)))
		c.logger.Warn("capture: invalid rules skipped", "error", errors.Join(errs...))
	}
	return c
}

// A SharedOption configures both the middleware ([Option]) and
// [Replay] ([ReplayOption]), so that one value serves the service that
// records and the test that replays.
type SharedOption interface {
	Option
	ReplayOption
}

type sharedOption struct {
	middleware func(*config)
	replay     func(*replayConfig)
}

func (o sharedOption) apply(c *config)             { o.middleware(c) }
func (o sharedOption) applyReplay(c *replayConfig) { o.replay(c) }

// WithRedactor sets the Redactor values go through: in the middleware,
// every value of a record before it leaves; in Replay, the new response
// before it is compared or returned, so that a ReplayResult never holds
// a secret either (use the rules the recording was made with, for the
// two sides to match best). The default is NewRedactor(Rules{}), the
// safe defaults. A nil r is ignored.
func WithRedactor(r *Redactor) SharedOption {
	return sharedOption{
		middleware: func(c *config) {
			if r != nil {
				c.redactor = r
			}
		},
		replay: func(c *replayConfig) {
			if r != nil {
				c.redactor = r
			}
		},
	}
}

// WithPolicy sets which requests are captured, fixed for the life of the
// middleware. The default is the zero Policy: none but the live debug
// requests. WithFlags, if given, takes precedence.
func WithPolicy(p Policy) Option {
	return optionFunc(func(c *config) { c.policy = p })
}

// WithFlags reads the policy from s on every request, under the names of
// RateFlag, RulesFlag, OnFailureFlag and MaxPerSecondFlag, so that it can
// be changed at runtime; the flags in force are also written in every
// record. A nil s is ignored.
func WithFlags(s *flags.Set) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.flags = s
		}
	})
}

// WithDebugRequests sets whether every request that package debugsample
// made live is captured (within the rate cap). The default is true: the
// request an engineer asked debug logs for with a token is the one to
// replay.
func WithDebugRequests(on bool) Option {
	return optionFunc(func(c *config) { c.debug = on })
}

// WithBodyLimit sets how many bytes of each body a record keeps; the
// record says the true size and that it was truncated. The default is
// DefaultBodyLimit (64 KiB). n <= 0 is ignored.
func WithBodyLimit(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.limit = n
		}
	})
}

// WithEnv sets the environment snapshot of this process. The
// middleware attaches it to every record (Record.EnvID, and Record.Env so
// that a file sink writes it); Replay compares a record's snapshot with
// it. The function is called for each record or replay and should return
// a cached snapshot (see CachedEnv), or nil for none.
//
// The middleware's default is CachedEnv with the flags of WithFlags and
// the Redactor of WithRedactor: variable values are kept for the default
// allow list and otherwise only marked as set; give CachedEnv a HashKey
// shared by the fleet to compare them across machines. Replay's default
// is TakeEnv(nil), taken once per process. A nil env is ignored.
func WithEnv(env func() *Env) SharedOption {
	return sharedOption{
		middleware: func(c *config) {
			if env != nil {
				c.env = env
			}
		},
		replay: func(c *replayConfig) {
			if env != nil {
				c.env = env
			}
		},
	}
}

// WithLogger sets the logger of the middleware's own warnings (invalid
// rules, a sink's errors, once per kind). The default is slog.Default().
// A nil l is ignored.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithStats counts into s, which may be shared by several middlewares.
// The default is a Stats of the middleware's own, unreadable from
// outside.
func WithStats(s *Stats) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.stats = s
		}
	})
}

// WithClock replaces time.Now, for tests. A nil now is ignored.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}
