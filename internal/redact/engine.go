package redact

import (
	"maps"
	"regexp"
	"sync"
	"sync/atomic"
)

// Config adds to the default rules. Its zero value is the defaults.
type Config struct {
	// Names are whole names (compared in the form of [Normalize]) whose
	// values are sensitive, beside the defaults.
	Names []string
	// Fragments are words that make a name sensitive wherever they appear
	// in it as a word, beside the defaults.
	Fragments []string
	// Keep are whole names exempt from the name rules: their values are
	// inspected by the value patterns only.
	Keep []string
	// AllowList turns on the fail-closed mode: a name not in Allow is
	// [NotAllowed]. A name in Allow still follows the other rules.
	AllowList bool
	Allow     []string
	// Patterns are extra value patterns; a match is masked with the whole
	// token around it.
	Patterns []*regexp.Regexp
}

// Engine applies a set of rules to names, values and free text. It is
// safe for concurrent use.
type Engine struct {
	rules    *nameRules
	patterns []*regexp.Regexp
	cache    nameCache
}

var defaultEngine = New(Config{})

// Default returns the engine of the default rules.
func Default() *Engine { return defaultEngine }

// New compiles c.
func New(c Config) *Engine {
	e := &Engine{rules: defaultRules, patterns: c.Patterns}
	if len(c.Names)+len(c.Fragments)+len(c.Keep)+len(c.Allow) > 0 || c.AllowList {
		e.rules = newNameRules(c)
	}
	for _, p := range c.Patterns {
		if p == nil {
			panic("redact: nil pattern")
		}
	}
	return e
}

// HasPatterns reports whether e has patterns beside the defaults.
func (e *Engine) HasPatterns() bool { return len(e.patterns) > 0 }

// Name returns what to do with the value of a header, query parameter,
// form field or JSON key called name.
func (e *Engine) Name(name string) Decision {
	return Decision(e.lookup(name) & decisionMask)
}

// Key is [Engine.Name] for a JSON key or field name given as bytes, and
// also reports whether the name itself holds a secret by the value
// patterns.
func (e *Engine) Key(name []byte) (d Decision, secret bool) {
	v := e.lookupBytes(name)
	if v&checkedBit == 0 {
		// The value patterns are looked for here rather than in classify,
		// which the pair detector calls: no cycle between the detectors.
		v |= checkedBit
		if len(find(e, nil, name, false)) > 0 {
			v |= secretBit
		}
		if len(name) <= maxCachedLen {
			e.cache.put(string(name), v)
		}
	}
	return Decision(v & decisionMask), v&secretBit != 0
}

// Cache: names repeat (every record has the same headers, every element
// of a JSON array the same keys), and classifying one costs a split into
// words. The cache is a map read through an atomic pointer, copied on
// write, and stops growing at maxCached entries, so that a flood of
// made-up names costs the slow path and no memory.
const (
	maxCached    = 4096
	maxCachedLen = 64
)

type nameCache struct {
	m  atomic.Pointer[map[string]uint8]
	mu sync.Mutex // serializes writers
}

// A cached entry: the Decision in the low bits, and flags.
const (
	secretBit    = 0x80 // the name itself holds a secret
	checkedBit   = 0x20 // secretBit is known
	sensitiveBit = 0x40 // the name is sensitive, allow-list aside
	decisionMask = 0x0f
)

func (e *Engine) lookup(name string) uint8 {
	if m := e.cache.m.Load(); m != nil {
		if v, ok := (*m)[name]; ok {
			return v
		}
	}
	return e.classify(name)
}

func (e *Engine) lookupBytes(name []byte) uint8 {
	if m := e.cache.m.Load(); m != nil {
		if v, ok := (*m)[string(name)]; ok {
			return v
		}
	}
	return e.classify(string(name))
}

// classify is the slow path of lookup.
func (e *Engine) classify(name string) uint8 {
	d, sensitive := e.rules.classify(name)
	v := uint8(d)
	if sensitive {
		v |= sensitiveBit
	}
	if len(name) <= maxCachedLen {
		e.cache.put(name, v)
	}
	return v
}

func (c *nameCache) put(k string, v uint8) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next map[string]uint8
	if old := c.m.Load(); old != nil {
		// A name already cached may be updated (Key adds what it learns
		// to what Name cached); a new one waits for room that never comes.
		if cur, ok := (*old)[k]; ok && cur == v || !ok && len(*old) >= maxCached {
			return
		}
		next = maps.Clone(*old)
	} else {
		next = map[string]uint8{}
	}
	next[k] = v
	c.m.Store(&next)
}
