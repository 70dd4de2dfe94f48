package debugsample

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reprokit/reprokit/internal/httpreq"
)

// The rules are matched by this file's own matcher rather than by an
// http.ServeMux: a ServeMux lookup costs 130 to 700 ns and one to fifteen
// allocations per request on Go 1.26 (the wildcard match slice, the
// allowed-methods set of a near miss, the trailing-slash redirect), against
// a budget of 100 ns and none for the whole decision. The syntax is still
// ServeMux's: every pattern is first registered in a ServeMux, which
// rejects what it would reject, and a fuzz test checks that both agree on
// which requests a pattern matches.

// pattern is a parsed ServeMux pattern.
type pattern struct {
	method string
	host   string
	segs   []segment
	// prefix is the literal start of every path the pattern matches,
	// such as "/orders/" for "/orders/{id}": a quick test that rejects
	// most paths before they are split into segments.
	prefix string
}

type segment struct {
	lit   string // literal, unescaped; "/" for {$}
	wild  bool   // {name}: one segment
	multi bool   // {name...} or a trailing slash: the rest of the path
}

// errRulePattern wraps what ServeMux says of an invalid pattern.
var errRulePattern = errors.New("debugsample: invalid rule pattern")

// parsePattern parses s, which ServeMux must accept.
func parsePattern(s string) (*pattern, error) {
	if err := muxAccepts(s); err != nil {
		return nil, err
	}
	p := &pattern{}
	rest := s
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		p.method, rest = s[:i], strings.TrimLeft(s[i+1:], " \t")
	}
	i := strings.IndexByte(rest, '/')
	p.host, rest = rest[:i], rest[i:]
	for len(rest) > 0 {
		rest = rest[1:]
		if rest == "" {
			p.segs = append(p.segs, segment{multi: true})
			break
		}
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			i = len(rest)
		}
		seg := rest[:i]
		rest = rest[i:]
		switch {
		case seg == "":
			// ServeMux keys single wildcards by the empty string in its
			// routing tree, so an empty literal segment ("//") matches
			// like one.
			p.segs = append(p.segs, segment{wild: true})
		case seg == "{$}":
			p.segs = append(p.segs, segment{lit: "/"})
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "...}"):
			p.segs = append(p.segs, segment{multi: true})
		case strings.HasPrefix(seg, "{"):
			p.segs = append(p.segs, segment{wild: true})
		default:
			p.segs = append(p.segs, segment{lit: unescape(seg)})
		}
	}
	for _, s := range p.segs {
		if s.wild || s.multi || s.lit == "/" {
			p.prefix += "/"
			break
		}
		p.prefix += "/" + s.lit
	}
	return p, nil
}

// muxAccepts reports, as an error, whether http.ServeMux refuses s.
func muxAccepts(s string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w %q: %v", errRulePattern, s, p)
		}
	}()
	http.NewServeMux().Handle(s, http.NotFoundHandler())
	return nil
}

// reqPath is the path of a request as the matcher reads it: cleaned, and
// either decoded (URL.Path, when it has no escaped slash, so its segments
// are the request's) or escaped (URL.EscapedPath, whose segments are
// unescaped one by one, as ServeMux does).
type reqPath struct {
	p       string
	decoded bool
	plain   bool // decoded, or escaped without any '%': comparable as bytes
}

func requestPath(r *http.Request) reqPath {
	if r.URL.RawPath == "" {
		return reqPath{p: cleanPath(r.URL.Path), decoded: true, plain: true}
	}
	p := cleanPath(r.URL.EscapedPath())
	return reqPath{p: p, plain: strings.IndexByte(p, '%') < 0}
}

// match reports whether a request with this method, host (port stripped)
// and path matches p.
func (p *pattern) match(method, host string, rp reqPath) bool {
	if p.method != "" && p.method != method && (p.method != http.MethodGet || method != http.MethodHead) {
		return false
	}
	if p.host != "" && p.host != host {
		return false
	}
	path := rp.p
	if rp.plain && !strings.HasPrefix(path, p.prefix) {
		return false
	}
	for _, s := range p.segs {
		if s.multi {
			return path != ""
		}
		if path == "" {
			return false
		}
		seg, rest := firstSegment(path)
		switch {
		case s.wild:
			if seg == "/" {
				return false // a single wildcard never matches a trailing slash
			}
		case rp.decoded:
			if seg != s.lit {
				return false
			}
		case !segmentIs(seg, s.lit):
			return false
		}
		path = rest
	}
	return path == ""
}

// firstSegment splits a path that starts with "/" into its first segment,
// still escaped, and the rest. A lone "/" is the segment "/".
func firstSegment(p string) (seg, rest string) {
	if p == "/" {
		return "/", ""
	}
	p = p[1:]
	i := strings.IndexByte(p, '/')
	if i < 0 {
		i = len(p)
	}
	return p[:i], p[i:]
}

// segmentIs reports whether the escaped segment seg unescapes to lit. It
// allocates only for a segment that holds an escape.
func segmentIs(seg, lit string) bool {
	if strings.IndexByte(seg, '%') < 0 {
		return seg == lit
	}
	return unescape(seg) == lit
}

// unescape is ServeMux's pathUnescape: the segment unescaped, or as it is
// when it does not unescape.
func unescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// cleanPath is ServeMux's: the canonical path, with a trailing slash kept.
// It does not allocate for a path that is already clean.
func cleanPath(p string) string {
	if isClean(p) {
		return p
	}
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
}

// isClean reports whether p is a rooted path without empty, "." or ".."
// segments, which cleanPath returns unchanged; a quick scan for the usual
// case.
func isClean(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i-1] != '/' {
			continue
		}
		switch p[i] {
		case '/':
			return false
		case '.':
			if i+1 == len(p) || p[i+1] == '/' || p[i+1] == '.' && (i+2 == len(p) || p[i+2] == '/') {
				return false
			}
		}
	}
	return true
}

// stripHostPort is ServeMux's: the host without its port.
func stripHostPort(h string) string {
	if !strings.Contains(h, ":") {
		return h
	}
	host, _, err := net.SplitHostPort(h)
	if err != nil {
		return h
	}
	return host
}

// compiledRule is a valid Rule ready to match.
type compiledRule struct {
	pat      *pattern // nil: every request
	header   string   // canonical name; "" when no condition
	value    string
	anyValue bool // Value was empty: the header has only to be present
	live     float64
	buffered float64
}

// ruleSet is a compiled list of rules. It is immutable.
type ruleSet struct {
	src   *Rule // first element of the slice it was compiled from
	n     int
	rules []compiledRule
	hosts bool // some rule names a host
}

// compileRules compiles rules, skipping the invalid ones and reporting
// each in errs.
func compileRules(rules []Rule) (*ruleSet, []error) {
	set := &ruleSet{n: len(rules)}
	if len(rules) > 0 {
		set.src = &rules[0]
	}
	var errs []error
	for i, r := range rules {
		c, err := compileRule(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d: %w", i, err))
			continue
		}
		if c.pat != nil && c.pat.host != "" {
			set.hosts = true
		}
		set.rules = append(set.rules, c)
	}
	return set, errs
}

func compileRule(r Rule) (compiledRule, error) {
	c := compiledRule{live: clampRate(r.LiveRate), buffered: clampRate(r.BufferedRate)}
	pat := r.Pattern
	if pat == "" {
		pat = "/"
	}
	p, err := parsePattern(pat)
	if err != nil {
		return c, err
	}
	switch {
	case r.Method == "":
	case p.method == "":
		if !httpreq.ValidToken(r.Method) { // a method is a token, as a header name is
			return c, fmt.Errorf("debugsample: invalid rule method %q", r.Method)
		}
		p.method = r.Method
	case p.method != r.Method:
		return c, fmt.Errorf("debugsample: rule method %q differs from its pattern's %q", r.Method, p.method)
	}
	if p.method != "" || p.host != "" || len(p.segs) != 1 || !p.segs[0].multi {
		c.pat = p // anything but "/": a condition worth checking
	}
	if r.Header != "" {
		if !httpreq.ValidToken(r.Header) {
			return c, fmt.Errorf("debugsample: invalid rule header %q", r.Header)
		}
		c.header = textproto.CanonicalMIMEHeaderKey(r.Header)
		c.value = r.Value
		c.anyValue = r.Value == ""
	}
	return c, nil
}

// match returns the first rule that matches r, or nil.
func (s *ruleSet) match(r *http.Request) *compiledRule {
	if s == nil || len(s.rules) == 0 {
		return nil
	}
	var host string
	var p reqPath
	cleaned := false
	for i := range s.rules {
		c := &s.rules[i]
		if c.pat != nil {
			if !cleaned {
				p = requestPath(r)
				if s.hosts {
					host = stripHostPort(r.Host)
				}
				cleaned = true
			}
			if !c.pat.match(r.Method, host, p) {
				continue
			}
		}
		if c.header != "" && !headerHas(r.Header[c.header], c.value, c.anyValue) {
			continue
		}
		return c
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

// ruleCache holds the rules compiled from the last slice the flags
// returned, and compiles again only when the flags return another slice
// (the flags package decodes a JSON value once per change).
type ruleCache struct {
	cur atomic.Pointer[ruleSet]
	mu  sync.Mutex // serialises compiling
}

// get returns the compiled form of rules, compiling them if they are not
// the slice compiled last. Invalid rules are skipped, counted in stats and
// logged once per change.
func (c *ruleCache) get(rules []Rule, logger *slog.Logger, stats *Stats) *ruleSet {
	if cur := c.cur.Load(); cur != nil && cur.same(rules) {
		return cur
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.cur.Load(); cur != nil && cur.same(rules) {
		return cur
	}
	set, errs := compileRules(rules)
	if len(errs) > 0 {
		stats.invalidRules.Add(uint64(len(errs)))
		logger.Warn("debugsample: invalid rules skipped", "error", errors.Join(errs...))
	}
	c.cur.Store(set)
	return set
}

// same reports whether rules is the slice s was compiled from.
func (s *ruleSet) same(rules []Rule) bool {
	if len(rules) != s.n {
		return false
	}
	return len(rules) == 0 || &rules[0] == s.src
}
