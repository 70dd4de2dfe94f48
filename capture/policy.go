package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"

	"github.com/reprokit/reprokit/flags"
	"github.com/reprokit/reprokit/internal/reqmatch"
)

// DefaultMaxPerSecond is the cap on captured requests a second when
// Policy.MaxPerSecond is zero: a capture redacts two bodies on the
// request's goroutine, so a burst of traffic must not multiply that
// cost.
const DefaultMaxPerSecond = 10

// Policy says which requests are captured, besides the live debug
// requests (see [WithDebugRequests]). It is plain data and works at its
// zero value: no request captured. A Policy is given with [WithPolicy];
// with [WithFlags] the same values come from flags instead, read on
// every request, so that an operator turns capture on for a route at
// runtime.
type Policy struct {
	// Rate is the fraction of requests, from 0 to 1, captured. Zero:
	// none.
	Rate float64 `json:"rate,omitempty"`
	// Rules give routes, methods or callers a rate of their own: the
	// first rule that matches a request decides its rate instead of Rate.
	// Nil: no rule.
	Rules []Rule `json:"rules,omitempty"`
	// OnFailure keeps the capped request body of every request that is
	// not otherwise captured, in pooled buffers, and captures the request
	// only if its response is 500 or more or its handler panics. False:
	// off.
	OnFailure bool `json:"on_failure,omitempty"`
	// MaxPerSecond caps the captured requests a second, whatever
	// selected them, failures included: past it they are not captured,
	// and counted in Stats.RateCapped. It is a token bucket whose burst is
	// MaxPerSecond rounded up, at least 1. Zero means
	// [DefaultMaxPerSecond]; a negative value captures nothing;
	// math.Inf(1) lifts the cap.
	MaxPerSecond float64 `json:"max_per_second,omitempty"`
}

// Rule gives the requests it matches their own capture rate. A request
// matches when it matches the pattern, the method and the header
// condition; an empty field matches anything. Rules are those of package
// debugsample, with one rate.
type Rule struct {
	// Pattern is an http.ServeMux pattern, "[METHOD ][HOST]/[PATH]",
	// such as "POST /orders/{id}", matched as a ServeMux would, against
	// the request before the service's router sees it. Empty: every
	// request.
	Pattern string `json:"pattern,omitempty"`
	// Method is the request method; it may be given here or in Pattern,
	// not differently in both. Empty: every method.
	Method string `json:"method,omitempty"`
	// Header names a request header the request must carry, and Value
	// the value it must have (any of its values, exactly; empty: present).
	Header string `json:"header,omitempty"`
	Value  string `json:"value,omitempty"`
	// Rate replaces Policy.Rate for the requests the rule matches,
	// clamped to [0, 1].
	Rate float64 `json:"rate,omitempty"`
}

// The flags read with [WithFlags], named as a flags provider names them;
// their defaults are those of the zero [Policy].
var (
	// RateFlag is "capture.rate", [Policy.Rate].
	RateFlag = flags.Float("capture.rate", 0)
	// RulesFlag is "capture.rules", [Policy.Rules]: a JSON array such as
	// [{"pattern":"POST /checkout","rate":1}].
	RulesFlag = flags.JSON[[]Rule]("capture.rules", nil)
	// OnFailureFlag is "capture.on_failure", [Policy.OnFailure].
	OnFailureFlag = flags.Bool("capture.on_failure", false)
	// MaxPerSecondFlag is "capture.max_per_second", [Policy.MaxPerSecond].
	MaxPerSecondFlag = flags.Float("capture.max_per_second", 0)
)

// FlagKeys returns the keys of the flags capture reads, for
// flags.WithKeys, so that a Set lists them and checks overrides of them
// before the first request reads them.
func FlagKeys() []flags.AnyKey {
	return []flags.AnyKey{RateFlag, RulesFlag, OnFailureFlag, MaxPerSecondFlag}
}

// view is a policy ready to use: rates clamped, rules compiled.
type view struct {
	rate      float64
	rules     *ruleSet
	onFailure bool
	perSecond float64
}

func (p Policy) view(rules *ruleSet) view {
	return view{rate: clampRate(p.Rate), rules: rules, onFailure: p.OnFailure, perSecond: capRate(p.MaxPerSecond)}
}

// policyIn returns the policy in force for a request with context ctx.
func (c *config) policyIn(ctx context.Context) view {
	if c.flags == nil {
		return c.static
	}
	set := c.flags
	return view{
		rate:      clampRate(RateFlag.Get(ctx, set)),
		rules:     c.rules.get(RulesFlag.Get(ctx, set), c.logger, c.stats),
		onFailure: OnFailureFlag.Get(ctx, set),
		perSecond: capRate(MaxPerSecondFlag.Get(ctx, set)),
	}
}

func clampRate(r float64) float64 {
	switch {
	case r > 1:
		return 1
	case r > 0:
		return r
	}
	return 0 // negative and NaN
}

func capRate(r float64) float64 {
	switch {
	case r == 0:
		return DefaultMaxPerSecond
	case math.IsNaN(r):
		return 0
	}
	return r
}

// ruleSet is a compiled list of rules; immutable.
type ruleSet struct {
	rules reqmatch.Set[float64]
}

func compileRules(rules []Rule) (*ruleSet, []error) {
	set := &ruleSet{}
	var errs []error
	for i, r := range rules {
		cond := reqmatch.Cond{Pattern: r.Pattern, Method: r.Method, Header: r.Header, Value: r.Value}
		if err := set.rules.Add(cond, clampRate(r.Rate)); err != nil {
			errs = append(errs, fmt.Errorf("capture: rule %d: %w", i, err))
		}
	}
	return set, errs
}

// rate returns the rate of the first rule r matches, or def.
func (s *ruleSet) rate(r *http.Request, def float64) float64 {
	if s == nil {
		return def
	}
	if p := s.rules.Match(r); p != nil {
		return *p
	}
	return def
}

// ruleCache holds the rules compiled from the last slice the flags
// returned.
type ruleCache struct {
	c reqmatch.Cache[Rule, *ruleSet]
}

func (c *ruleCache) get(rules []Rule, logger *slog.Logger, stats *Stats) *ruleSet {
	return c.c.Get(rules, func(rules []Rule) *ruleSet {
		set, errs := compileRules(rules)
		if len(errs) > 0 {
			stats.invalidRules.Add(uint64(len(errs)))
			logger.Warn("capture: invalid rules skipped", "error", errors.Join(errs...))
		}
		return set
	})
}
