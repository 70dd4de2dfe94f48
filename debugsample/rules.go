package debugsample

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/reprokit/reprokit/internal/reqmatch"
)

// rates is what a rule gives the requests it matches.
type rates struct{ live, buffered float64 }

// ruleSet is a compiled list of rules. It is immutable.
type ruleSet struct {
	rules reqmatch.Set[rates]
}

// compileRules compiles rules, skipping the invalid ones and reporting
// each in errs.
func compileRules(rules []Rule) (*ruleSet, []error) {
	set := &ruleSet{}
	var errs []error
	for i, r := range rules {
		if err := set.rules.Add(condOf(r), rates{clampRate(r.LiveRate), clampRate(r.BufferedRate)}); err != nil {
			errs = append(errs, fmt.Errorf("debugsample: rule %d: %w", i, err))
		}
	}
	return set, errs
}

// compileRule compiles one rule alone (tests).
func compileRule(r Rule) (rates, error) {
	var s reqmatch.Set[rates]
	rt := rates{clampRate(r.LiveRate), clampRate(r.BufferedRate)}
	return rt, s.Add(condOf(r), rt)
}

func condOf(r Rule) reqmatch.Cond {
	return reqmatch.Cond{Pattern: r.Pattern, Method: r.Method, Header: r.Header, Value: r.Value}
}

// match returns the rates of the first rule that matches r, or nil.
func (s *ruleSet) match(r *http.Request) *rates {
	if s == nil {
		return nil
	}
	return s.rules.Match(r)
}

// ruleCache holds the rules compiled from the last slice the flags
// returned.
type ruleCache struct {
	c reqmatch.Cache[Rule, *ruleSet]
}

// get returns the compiled form of rules, compiling them if they are not
// the slice compiled last. Invalid rules are skipped, counted in stats and
// logged once per change.
func (c *ruleCache) get(rules []Rule, logger *slog.Logger, stats *Stats) *ruleSet {
	return c.c.Get(rules, func(rules []Rule) *ruleSet {
		set, errs := compileRules(rules)
		if len(errs) > 0 {
			stats.invalidRules.Add(uint64(len(errs)))
			logger.Warn("debugsample: invalid rules skipped", "error", errors.Join(errs...))
		}
		return set
	})
}
