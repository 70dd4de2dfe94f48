package reqmatch

import (
	"fmt"
	"net/http"
	"net/textproto"

	"github.com/reprokit/reprokit/internal/httpreq"
)

// Cond is the condition of a rule: a request matches when it matches
// Pattern (a ServeMux pattern), Method and the header condition. An
// empty field matches anything.
type Cond struct {
	Pattern string
	Method  string
	Header  string
	// Value is the value Header must have (any of its values, exactly);
	// empty: the header has only to be present.
	Value string
}

// rule is a compiled Cond and what it gives.
type rule[T any] struct {
	pat      *Pattern // nil: every request
	header   string   // canonical name; "" when no condition
	value    string
	anyValue bool
	data     T
}

// Set is an ordered list of compiled rules, each with its data. It is
// built by Add and then only read: Match is safe for concurrent use once
// the last Add has returned.
type Set[T any] struct {
	rules []rule[T]
	hosts bool // some rule names a host
}

// Add compiles c and appends it with its data d. An invalid condition
// is an error and is not added.
func (s *Set[T]) Add(c Cond, d T) error {
	r := rule[T]{data: d}
	pat := c.Pattern
	if pat == "" {
		pat = "/"
	}
	p, err := Parse(pat)
	if err != nil {
		return err
	}
	switch {
	case c.Method == "":
	case p.method == "":
		if !httpreq.ValidToken(c.Method) { // a method is a token, as a header name is
			return fmt.Errorf("invalid rule method %q", c.Method)
		}
		p.method = c.Method
	case p.method != c.Method:
		return fmt.Errorf("rule method %q differs from its pattern's %q", c.Method, p.method)
	}
	if p.method != "" || p.host != "" || len(p.segs) != 1 || !p.segs[0].multi {
		r.pat = p // anything but "/": a condition worth checking
	}
	if c.Header != "" {
		if !httpreq.ValidToken(c.Header) {
			return fmt.Errorf("invalid rule header %q", c.Header)
		}
		r.header = textproto.CanonicalMIMEHeaderKey(c.Header)
		r.value = c.Value
		r.anyValue = c.Value == ""
	}
	if r.pat != nil && r.pat.host != "" {
		s.hosts = true
	}
	s.rules = append(s.rules, r)
	return nil
}

// Len returns the number of rules in s.
func (s *Set[T]) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Match returns the data of the first rule that r matches, or nil. It
// does not allocate. A nil Set matches nothing.
func (s *Set[T]) Match(r *http.Request) *T {
	if s == nil || len(s.rules) == 0 {
		return nil
	}
	var host string
	var p Path
	cleaned := false
	for i := range s.rules {
		c := &s.rules[i]
		if c.pat != nil {
			if !cleaned {
				p = RequestPath(r)
				if s.hosts {
					host = StripHostPort(r.Host)
				}
				cleaned = true
			}
			if !c.pat.Match(r.Method, host, p) {
				continue
			}
		}
		if c.header != "" && !headerHas(r.Header[c.header], c.value, c.anyValue) {
			continue
		}
		return &c.data
	}
	return nil
}

func headerHas(values []string, want string, any bool) bool {
	if len(values) == 0 {
		return false
	}
	if any {
		return true
	}
	for _, v := range values {
		if v == want {
			return true
		}
	}
	return false
}
