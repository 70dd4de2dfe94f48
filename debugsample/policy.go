package debugsample

import (
	"context"
	"math"

	"github.com/reprokit/reprokit/flags"
)

// Policy says which requests are sampled, when no token or trusted
// baggage decides first (see [Sampler.Decide] for the precedence). It is
// plain data and works at its zero value: every request off. A Policy is
// given with [WithPolicy]; with [WithFlags] the same values come from
// flags instead, read on every request.
type Policy struct {
	// LiveRate is the fraction of requests, from 0 to 1, whose debug
	// records are written at once. Zero: none.
	LiveRate float64 `json:"live_rate,omitempty"`
	// BufferedRate is the fraction of requests, from 0 to 1, whose debug
	// records are buffered and written only if the request fails. It is a
	// fraction of all requests, beside LiveRate: live 0.01 and buffered
	// 0.2 make 1% of requests live and another 20% buffered. Zero: none.
	BufferedRate float64 `json:"buffered_rate,omitempty"`
	// Rules give routes, methods or callers rates of their own. The
	// first rule that matches a request decides its rates instead of
	// LiveRate and BufferedRate. Nil: no rule.
	Rules []Rule `json:"rules,omitempty"`
	// MaxPerSecond caps the sampled (live or buffered) requests per
	// second, whatever made them so, tokens included: past it, requests
	// are off. It is a token bucket whose burst is MaxPerSecond rounded
	// up, at least 1. Zero means [DefaultMaxPerSecond]; a negative value
	// lets no request be sampled; math.Inf(1) lifts the cap.
	MaxPerSecond float64 `json:"max_per_second,omitempty"`
}

// Rule gives the requests it matches their own rates. A request matches
// when it matches the pattern, the method and the header condition; an
// empty field matches anything. Out-of-range rates are clamped to [0, 1].
type Rule struct {
	// Pattern is an http.ServeMux pattern, "[METHOD ][HOST]/[PATH]",
	// such as "POST /orders/{id}", "/admin/" or "api.example.com/".
	// It matches as it would in a ServeMux (GET also matches HEAD, a
	// trailing slash matches the subtree, {$} the end), against the
	// request's cleaned path; a path that ServeMux would redirect to
	// add a trailing slash does not match. Empty: every request.
	Pattern string `json:"pattern,omitempty"`
	// Method is the request method, such as "POST". It may be given here
	// or in Pattern, not differently in both. Empty: every method.
	Method string `json:"method,omitempty"`
	// Header names a request header the request must carry, such as
	// "X-Tenant". Empty: no condition.
	Header string `json:"header,omitempty"`
	// Value is the value Header must have (any of its values, exactly).
	// Empty: the header only has to be present.
	Value string `json:"value,omitempty"`
	// LiveRate and BufferedRate replace the policy's for the requests the
	// rule matches.
	LiveRate     float64 `json:"live_rate,omitempty"`
	BufferedRate float64 `json:"buffered_rate,omitempty"`
}

// The flags read with [WithFlags]. Their names are the ones a flags
// provider uses (a static map, the environment, a file, the admin
// endpoint); their defaults are those of the zero [Policy].
var (
	// LiveRateFlag is "debug.live_rate", [Policy.LiveRate].
	LiveRateFlag = flags.Float("debug.live_rate", 0)
	// BufferedRateFlag is "debug.buffered_rate", [Policy.BufferedRate].
	BufferedRateFlag = flags.Float("debug.buffered_rate", 0)
	// RulesFlag is "debug.rules", [Policy.Rules]: a JSON array of rules,
	// such as [{"pattern":"POST /orders/","header":"X-Tenant",
	// "value":"acme","live_rate":1}].
	RulesFlag = flags.JSON[[]Rule]("debug.rules", nil)
	// MaxPerSecondFlag is "debug.max_per_second", [Policy.MaxPerSecond].
	MaxPerSecondFlag = flags.Float("debug.max_per_second", 0)
)

// FlagKeys returns the keys of the flags debugsample reads, for
// flags.WithKeys, so that a Set knows them (lists them, checks overrides
// of them) before the first request reads them.
func FlagKeys() []flags.AnyKey {
	return []flags.AnyKey{LiveRateFlag, BufferedRateFlag, RulesFlag, MaxPerSecondFlag}
}

// view is the static policy, with rates clamped and rules compiled.
type view struct {
	live, buffered float64
	maxPerSecond   float64
	rules          *ruleSet
}

func staticView(p Policy, rules *ruleSet) view {
	return view{
		live:         clampRate(p.LiveRate),
		buffered:     clampRate(p.BufferedRate),
		maxPerSecond: capRate(p.MaxPerSecond),
		rules:        rules,
	}
}

// The policy in force comes from the flags when WithFlags was given. It is
// kept, with its compiled rules, for as long as the flags' generation does
// not move, so that a decision costs one atomic load rather than four flag
// reads; with a per-call Evaluator among the providers it is read piece by
// piece on every request, each flag only when needed: the rules, then the
// base rates only if no rule matched, then the cap only if sampled.

// flagView is the policy read from the flags at one generation.
type flagView struct {
	gen uint64
	view
}

// cachedView returns the policy in force when it can be kept, or nil when
// the flags must be read per request.
func (s *Sampler) cachedView(ctx context.Context) *view {
	if s.cfg.flags == nil {
		return &s.static
	}
	gen, cacheable := s.cfg.flags.Generation()
	if !cacheable {
		return nil
	}
	if v := s.flagView.Load(); v != nil && v.gen == gen {
		return &v.view
	}
	v := &flagView{gen: gen, view: view{
		rules:        s.rules.get(RulesFlag.Get(ctx, s.cfg.flags), s.cfg.logger, s.cfg.stats),
		live:         clampRate(LiveRateFlag.Get(ctx, s.cfg.flags)),
		buffered:     clampRate(BufferedRateFlag.Get(ctx, s.cfg.flags)),
		maxPerSecond: capRate(MaxPerSecondFlag.Get(ctx, s.cfg.flags)),
	}}
	s.flagView.Store(v)
	return &v.view
}

func (s *Sampler) rulesIn(ctx context.Context) *ruleSet {
	if v := s.cachedView(ctx); v != nil {
		return v.rules
	}
	return s.rules.get(RulesFlag.Get(ctx, s.cfg.flags), s.cfg.logger, s.cfg.stats)
}

func (s *Sampler) ratesIn(ctx context.Context) (live, buffered float64) {
	if v := s.cachedView(ctx); v != nil {
		return v.live, v.buffered
	}
	return clampRate(LiveRateFlag.Get(ctx, s.cfg.flags)), clampRate(BufferedRateFlag.Get(ctx, s.cfg.flags))
}

func (s *Sampler) capIn(ctx context.Context) float64 {
	if v := s.cachedView(ctx); v != nil {
		return v.maxPerSecond
	}
	return capRate(MaxPerSecondFlag.Get(ctx, s.cfg.flags))
}

// clampRate maps r into [0, 1]; NaN is 0.
func clampRate(r float64) float64 {
	switch {
	case r > 1:
		return 1
	case r > 0:
		return r
	}
	return 0 // also NaN
}

// capRate resolves the MaxPerSecond field: zero is the default, NaN and
// negative values allow nothing.
func capRate(r float64) float64 {
	switch {
	case r == 0:
		return DefaultMaxPerSecond
	case r > 0:
		return r
	}
	return math.Inf(-1) // negative or NaN: nothing
}
