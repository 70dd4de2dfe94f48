package debugsample

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/textproto"
	"time"

	"github.com/reprokit/reprokit/flags"
)

// Defaults of the options.
const (
	// DefaultTokenHeader is the request header that carries a debug token.
	DefaultTokenHeader = "X-Debug-Token"
	// DefaultMaxTokenTTL is the longest life a debug token may have.
	DefaultMaxTokenTTL = 15 * time.Minute
	// DefaultMaxPerSecond is the rate cap on sampled requests when the
	// policy leaves it at zero.
	DefaultMaxPerSecond = 10
	// DefaultBufferRecords and DefaultBufferBytes bound the debug buffer
	// of one request: the records it keeps, and their estimated encoded
	// size (20 KiB, as AWS Lambda Powertools does).
	DefaultBufferRecords = 128
	DefaultBufferBytes   = 20 << 10
)

// Option configures a [Sampler], and through it [NewMiddleware],
// [NewHandler] and [NewToken]. Options that do not concern a component are
// ignored by it: NewToken, for one, reads only [WithClock] and
// [WithMaxTokenTTL].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the resolved set of options. It is read-only once built.
type config struct {
	policy      Policy
	flags       *flags.Set
	keys        [][]byte
	shortKeys   int // keys refused by WithTokenKeys for being too short
	tokenHeader string
	maxTTL      time.Duration
	trusted     []netip.Prefix
	now         func() time.Time
	maxRecords  int
	maxBytes    int
	failed      func(r *http.Request, status int) bool
	slow        time.Duration
	stats       *Stats
	logger      *slog.Logger
	hook        func(r *http.Request, d Decision)
	evaluation  func(r *http.Request) flags.Evaluation
}

func newConfig(opts []Option) *config {
	c := &config{
		tokenHeader: DefaultTokenHeader,
		maxTTL:      DefaultMaxTokenTTL,
		now:         time.Now,
		maxRecords:  DefaultBufferRecords,
		maxBytes:    DefaultBufferBytes,
		failed:      serverError,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.stats == nil {
		c.stats = new(Stats)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

func serverError(_ *http.Request, status int) bool { return status >= 500 }

// WithPolicy sets the sampling policy. It is ignored when [WithFlags] is
// given, since the flags then supply every value. By default the policy
// is the zero Policy: every request is off, unless it carries a valid
// token or trusted debug baggage.
func WithPolicy(p Policy) Option {
	return optionFunc(func(c *config) {
		p.Rules = append([]Rule(nil), p.Rules...)
		c.policy = p
	})
}

// WithFlags makes the policy come from s, read on every request through
// the keys [LiveRateFlag], [BufferedRateFlag], [RulesFlag] and
// [MaxPerSecondFlag], so that it changes at runtime without a restart.
// A nil s is ignored. By default the policy is the one of [WithPolicy].
func WithFlags(s *flags.Set) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.flags = s
		}
	})
}

// WithFlagEvaluation makes the middleware describe each request to the
// flags with evaluate, before it reads them: the result is put in the
// request's context with flags.WithEvaluation, unless the context already
// carries an Evaluation, so that a provider that decides per request (an
// OpenFeature provider with targeting rules) sees it, in the decision and
// in the handler's own flag reads. The route is not known yet, since the
// middleware runs before the router; the method and attributes such as a
// tenant are. It costs two allocations per request, so it is off by
// default: flags are then read with the request's context as it is. A nil
// function is ignored.
func WithFlagEvaluation(evaluate func(r *http.Request) flags.Evaluation) Option {
	return optionFunc(func(c *config) {
		if evaluate != nil {
			c.evaluation = evaluate
		}
	})
}

// WithTokenKeys sets the keys that verify debug tokens (see [NewToken]).
// A token is valid if it was signed with any of them, so a key can be
// rotated by adding the new one, moving the minters to it, and removing
// the old one once its tokens have expired. Keys shorter than
// [MinKeyLen] bytes are ignored (a warning goes to the logger). The
// keys are copied. By default there is no key and every token is refused.
func WithTokenKeys(keys ...[]byte) Option {
	return optionFunc(func(c *config) {
		c.keys = c.keys[:0]
		c.shortKeys = 0
		for _, k := range keys {
			if len(k) < MinKeyLen {
				c.shortKeys++
				continue
			}
			c.keys = append(c.keys, append([]byte(nil), k...))
		}
	})
}

// WithTokenHeader sets the request header that carries a debug token. The
// default is [DefaultTokenHeader]. An empty name is ignored.
func WithTokenHeader(name string) Option {
	return optionFunc(func(c *config) {
		if name != "" {
			c.tokenHeader = textproto.CanonicalMIMEHeaderKey(name)
		}
	})
}

// WithMaxTokenTTL sets the longest life of a debug token: [NewToken]
// refuses a longer TTL, and a token that claims a longer one is cut to it
// when verified. The default is [DefaultMaxTokenTTL]. A value of zero or
// less is ignored.
func WithMaxTokenTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.maxTTL = d
		}
	})
}

// WithTrustedPeers honours the debug baggage member ([BaggageKey]) of
// incoming requests whose peer address is in one of the prefixes, so that
// a service follows the decision its trusted callers made for the trace.
// The peer is the connection's address (Request.RemoteAddr), never a
// forwarded-for header. Invalid prefixes are ignored. By default no peer
// is trusted: the member is ignored, counted in [Stats], and removed from
// the context so that it does not travel further.
func WithTrustedPeers(prefixes ...netip.Prefix) Option {
	return optionFunc(func(c *config) {
		c.trusted = c.trusted[:0]
		for _, p := range prefixes {
			if p.IsValid() {
				c.trusted = append(c.trusted, p.Masked())
			}
		}
	})
}

// WithClock sets the function that tells the time, for token expiry, the
// rate cap and the latency threshold. The default is time.Now. A nil
// function is ignored. Tests pass a fake clock so that nothing sleeps.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithBufferLimits bounds the debug buffer of one buffered request: at
// most records records whose estimated encoded size is at most bytes in
// total. When a new record would exceed either, the oldest records are
// dropped, and the flush says how many. Zero or less keeps the default,
// [DefaultBufferRecords] and [DefaultBufferBytes].
func WithBufferLimits(records, bytes int) Option {
	return optionFunc(func(c *config) {
		if records > 0 {
			c.maxRecords = records
		}
		if bytes > 0 {
			c.maxBytes = bytes
		}
	})
}

// WithFailure sets what makes a buffered request count as failed, so that
// its buffer is flushed, given the request and the final status code (0
// when the handler wrote nothing, as on a hijacked connection; the
// middleware passes 200 otherwise). By default a status of 500 or more.
// A panic always counts as a failure, as does a latency above
// [WithLatencyThreshold]. A nil function is ignored.
func WithFailure(failed func(r *http.Request, status int) bool) Option {
	return optionFunc(func(c *config) {
		if failed != nil {
			c.failed = failed
		}
	})
}

// WithLatencyThreshold makes a buffered request that takes longer than d
// count as failed, so that the debug records of slow requests are kept.
// By default (zero) latency does not matter.
func WithLatencyThreshold(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.slow = d
		}
	})
}

// WithStats makes the sampler count into s, so that one [Stats] can be
// read for the whole service. A nil s is ignored; by default each Sampler
// counts into its own, read with [Sampler.Stats].
func WithStats(s *Stats) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.stats = s
		}
	})
}

// WithLogger sets the logger of the package's own warnings (invalid rules,
// keys too short). The default is slog.Default(). A nil logger is
// ignored. Nothing is ever logged per request.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithDecisionHook calls hook with every decision [Sampler.Decide] makes,
// for metrics. It runs on the request's goroutine, before the handler, so
// it must be quick and safe for concurrent use. A nil hook is ignored.
func WithDecisionHook(hook func(r *http.Request, d Decision)) Option {
	return optionFunc(func(c *config) {
		if hook != nil {
			c.hook = hook
		}
	})
}

// LogOption configures [NewLogHandler].
type LogOption interface {
	applyLog(*logConfig)
}

type logOptionFunc func(*logConfig)

func (f logOptionFunc) applyLog(c *logConfig) { f(c) }

type logConfig struct {
	threshold slog.Level
}

// WithThreshold sets the level below which records are debug records,
// written only for sampled requests. The default is slog.LevelInfo, so
// that Debug records (and any custom level below Info) are gated.
func WithThreshold(level slog.Level) LogOption {
	return logOptionFunc(func(c *logConfig) { c.threshold = level })
}
