package debugsample

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/internal/ratecap"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
)

// Mode is what happens to the debug records of a request.
type Mode uint8

const (
	// Off: debug records are not even built; Enabled reports false.
	Off Mode = iota
	// Buffered: debug records are kept in a bounded buffer of the
	// request, written only if the request fails.
	Buffered
	// Live: debug records are written at once.
	Live
)

// String returns "off", "buffered" or "live", the words of the baggage
// member.
func (m Mode) String() string {
	switch m {
	case Off:
		return "off"
	case Buffered:
		return "buffered"
	case Live:
		return "live"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// parseMode reads a baggage member value; anything but "live" or
// "buffered" is Off.
func parseMode(s string) Mode {
	switch s {
	case "live":
		return Live
	case "buffered":
		return Buffered
	}
	return Off
}

// Reason says what made a decision.
type Reason uint8

const (
	// ReasonNone: nothing selected the request.
	ReasonNone Reason = iota
	// ReasonToken: a valid debug token.
	ReasonToken
	// ReasonBaggage: the debug baggage member of a trusted peer.
	ReasonBaggage
	// ReasonRule: the rates of a matching rule.
	ReasonRule
	// ReasonRate: the policy's base rates.
	ReasonRate
	// ReasonCapped: the request was selected but the rate cap was
	// reached, so it is off.
	ReasonCapped
	// ReasonContext: set by hand with [NewContext].
	ReasonContext
)

var reasonNames = [...]string{"none", "token", "baggage", "rule", "rate", "capped", "context"}

// String returns the reason as a word, such as "token".
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Decision is the debug mode of one request and why. Besides its fields
// it carries, unexported, what [Sampler.Begin] needs to clean the
// request's baggage, so compare its fields rather than whole Decisions.
type Decision struct {
	Mode   Mode
	Reason Reason
	// Token is why the request's debug token was refused, or 0 if it
	// carried none or the token was accepted.
	Token TokenRefusal

	// stripBaggage is set when the request carried a debug baggage
	// member that must not travel further: Begin removes it.
	stripBaggage bool
}

// BaggageKey is the W3C baggage member that carries a sampled decision to
// downstream services: "reprokit.debug=live" or "reprokit.debug=buffered".
const BaggageKey = "reprokit.debug"

// Sampler makes the debug decision of requests: the per-request step that
// [NewMiddleware] wraps, exported so that a fused middleware stack or
// another transport can call it (see [Sampler.Decide] and
// [Sampler.Begin]). A Sampler is safe for concurrent use.
type Sampler struct {
	cfg    *config
	static view // the policy when no flags are given
	rules  ruleCache
	// flagView is the policy last read from the flags, with the flags'
	// generation it was read at.
	flagView atomic.Pointer[flagView]
	cap      ratecap.Bucket
	// preStarted is set once PreStart has been called, so that requests
	// of a Sampler that never uses it skip looking for its result.
	preStarted atomic.Bool
}

// NewSampler returns a Sampler configured by opts.
func NewSampler(opts ...Option) *Sampler {
	s := &Sampler{cfg: newConfig(opts)}
	if s.cfg.shortKeys > 0 {
		s.cfg.logger.Warn("debugsample: token keys shorter than the minimum ignored",
			"ignored", s.cfg.shortKeys, "min_bytes", MinKeyLen)
	}
	if s.cfg.flags == nil {
		s.static = staticView(s.cfg.policy, s.rules.get(s.cfg.policy.Rules, s.cfg.logger, s.cfg.stats))
	}
	return s
}

// Stats returns the counters this Sampler adds to: the one given with
// [WithStats], or its own.
func (s *Sampler) Stats() *Stats { return s.cfg.stats }

// Decide returns the debug decision for r, counts it in [Sampler.Stats]
// and passes it to the decision hook. The first of these that applies
// decides:
//
//  1. a valid debug token in the X-Debug-Token header: live;
//  2. the debug baggage member ([BaggageKey]) of a peer trusted with
//     [WithTrustedPeers]: the mode it names;
//  3. the first rule of the policy that matches r: its rates;
//  4. the policy's rates: live with LiveRate, buffered with BufferedRate.
//
// Rates are drawn from a hash of the trace ID of the span in r's context
// (see "Determinism" in the package documentation), so every service of
// one trace draws the same; without a span, of the correlation ID; without
// either, at random. Whatever decided, a sampled request then takes a
// token of the rate cap (Policy.MaxPerSecond); past the cap it is off,
// with [ReasonCapped].
//
// Decide reads the policy (from flags if so configured) but does not
// change r. On the common path (no token, no debug baggage) it does not
// allocate.
func (s *Sampler) Decide(r *http.Request) Decision { return s.decide(r, r.Context()) }

// decide is Decide with the context to read flags and IDs from. When
// PreStart classified the request already (its result is in ctx), that
// classification is completed rather than made again.
func (s *Sampler) decide(r *http.Request, ctx context.Context) Decision {
	if s.preStarted.Load() {
		if c, ok := preFrom(ctx, s); ok {
			return s.complete(r, ctx, c)
		}
	}
	return s.complete(r, ctx, s.classify(r, ctx))
}

// classification is the part of a decision that needs only the request:
// a mode set by a token or trusted baggage, or else the rates that apply
// (a rule's or the policy's) and the reason they would give.
type classification struct {
	d              Decision
	live, buffered float64
	reason         Reason
}

// classify verifies the token, reads trusted baggage and matches the rules.
func (s *Sampler) classify(r *http.Request, ctx context.Context) classification {
	var c classification
	if values := r.Header[s.cfg.tokenHeader]; len(values) > 0 {
		if why := verifyToken(values, s.cfg.keys, s.cfg.now(), s.cfg.maxTTL, r); why == 0 {
			c.d.Mode, c.d.Reason = Live, ReasonToken
			s.cfg.stats.tokensAccepted.Add(1)
		} else {
			c.d.Token = why
			s.cfg.stats.tokensRefused[why].Add(1)
		}
	}
	if values := r.Header["Baggage"]; len(values) > 0 && mentions(values, BaggageKey) {
		if m, ok := s.trustedBaggage(ctx, r, values); ok {
			if c.d.Mode == Off && m != Off {
				c.d.Mode, c.d.Reason = m, ReasonBaggage
			}
		} else {
			s.cfg.stats.baggageIgnored.Add(1)
		}
		c.d.stripBaggage = true
	}
	if c.d.Mode == Off {
		c.reason = ReasonRule
		// The policy kept for the flags' generation is loaded once;
		// without one (a per-call Evaluator) each flag is read as needed.
		v := s.cachedView(ctx)
		var rules *ruleSet
		if v != nil {
			rules = v.rules
		} else {
			rules = s.rulesIn(ctx)
		}
		switch rule := rules.match(r); {
		case rule != nil:
			c.live, c.buffered = rule.live, rule.buffered
		case v != nil:
			c.live, c.buffered, c.reason = v.live, v.buffered, ReasonRate
		default:
			c.live, c.buffered = s.ratesIn(ctx)
			c.reason = ReasonRate
		}
	}
	return c
}

// complete draws the rates of c from the IDs in ctx, applies the rate cap,
// and counts the decision.
func (s *Sampler) complete(r *http.Request, ctx context.Context, c classification) Decision {
	d := c.d
	if d.Mode == Off && (c.live > 0 || c.buffered > 0) {
		u := unit(draw(ctx))
		switch {
		case u < c.live:
			d.Mode, d.Reason = Live, c.reason
		case u < c.live+c.buffered:
			d.Mode, d.Reason = Buffered, c.reason
		}
	}
	if d.Mode != Off && !s.cap.Allow(s.cfg.now(), s.capIn(ctx)) {
		d.Mode, d.Reason = Off, ReasonCapped
		s.cfg.stats.capped.Add(1)
	}
	s.cfg.stats.decisions[d.Mode].Add(1)
	if s.cfg.hook != nil {
		s.cfg.hook(r, d)
	}
	return d
}

// mentions reports whether any of the header values contains key; a cheap
// test before the baggage is parsed.
func mentions(values []string, key string) bool {
	for _, v := range values {
		if strings.Contains(v, key) {
			return true
		}
	}
	return false
}

// trustedBaggage returns the mode named by the request's debug baggage
// member, and whether the peer is trusted to name one. The member is read
// from the context when the tracing middleware extracted the baggage, from
// the header otherwise.
func (s *Sampler) trustedBaggage(ctx context.Context, r *http.Request, values []string) (Mode, bool) {
	if !s.trusts(r.RemoteAddr) {
		return Off, false
	}
	if m := baggage.FromContext(ctx).Member(BaggageKey); m.Key() != "" {
		return parseMode(m.Value()), true
	}
	b, err := baggage.Parse(strings.Join(values, ","))
	if err != nil {
		return Off, true
	}
	return parseMode(b.Member(BaggageKey).Value()), true
}

// trusts reports whether the peer at remote (host:port) is a trusted peer.
func (s *Sampler) trusts(remote string) bool {
	if len(s.cfg.trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range s.cfg.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// unit maps a hash to [0, 1) with its top 53 bits.
func unit(h uint64) float64 { return float64(h>>11) * 0x1p-53 }

// draw returns the hash the rates are drawn from: of the trace ID if ctx
// holds a span context, else of the correlation ID, else random.
func draw(ctx context.Context) uint64 {
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return HashTraceID(sc.TraceID())
	}
	if id, ok := correlation.FromContext(ctx); ok {
		return hashString(correlationSeed, id)
	}
	return rand.Uint64()
}

// The hash of the decision is, for a trace ID, MurmurHash3's fmix64
// applied twice: h = fmix64(fmix64(seed ^ hi) ^ lo), where hi and lo are
// the big-endian halves of the ID and seed is a constant taken from a
// domain string; for a correlation ID, 64-bit FNV-1a over another domain
// string and the ID's bytes, finished with fmix64. The domain makes the
// draw independent of other samplers that look at the same ID, such as
// OpenTelemetry's TraceIDRatioBased, which compares the low 63 bits of lo
// to its ratio: the two decisions are as independent as two unrelated
// coins (a test checks it).
const (
	hashDomain = "reprokit/debugsample/v1\x00"
	fnvOffset  = 14695981039346656037
	fnvPrime   = 1099511628211
)

var (
	traceSeed       = fnvString(fnvOffset, hashDomain+"trace\x00")
	correlationSeed = fnvString(fnvOffset, hashDomain+"correlation\x00")
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// HashTraceID returns the 64-bit hash that a trace's debug decision is
// drawn from: a request is live when the hash's top 53 bits, read as a
// fraction of 2^53, are below the live rate, and buffered when they are
// below the live rate plus the buffered rate. A service in another
// language makes the same decision with the same function:
//
//	seed = FNV-1a 64 of "reprokit/debugsample/v1\x00trace\x00"
//	hi, lo = the trace ID's bytes 0–7 and 8–15, big-endian
//	hash = fmix64(fmix64(seed ^ hi) ^ lo)
//
// where fmix64 is MurmurHash3's 64-bit finaliser.
func HashTraceID(id trace.TraceID) uint64 {
	hi := binary.BigEndian.Uint64(id[:8])
	lo := binary.BigEndian.Uint64(id[8:])
	return fmix64(fmix64(traceSeed^hi) ^ lo)
}

func hashString(seed uint64, s string) uint64 { return fmix64(fnvString(seed, s)) }

// Draw returns the number in [0, 1) that the rates of the request whose
// context is ctx are compared with: a rate p selects the request when
// Draw(ctx) < p. It is drawn from the trace ID of ctx's span context,
// else from its correlation ID, else at random (see HashTraceID), so that
// another package selecting requests by rate (package capture does) makes
// the choices of debugsample for the same rates: a fraction of requests
// taken with Draw is live in debugsample when it is below the live rate.
func Draw(ctx context.Context) float64 { return unit(draw(ctx)) }
