package reqmatch

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Rules are matched by this package's own matcher rather than by an
// http.ServeMux: a ServeMux lookup costs 130 to 700 ns and one to fifteen
// allocations per request on Go 1.26 (the wildcard match slice, the
// allowed-methods set of a near miss, the trailing-slash redirect), against
// a budget of 100 ns and none for the whole decision. The syntax is still
// ServeMux's: every pattern is first registered in a ServeMux, which
// rejects what it would reject, and a fuzz test checks that both agree on
// which requests a pattern matches.

// Pattern is a parsed ServeMux pattern.
type Pattern struct {
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

// ErrPattern wraps what ServeMux says of an invalid pattern.
var ErrPattern = errors.New("invalid ServeMux pattern")

// Parse parses s, which ServeMux must accept.
func Parse(s string) (*Pattern, error) {
	if err := MuxAccepts(s); err != nil {
		return nil, err
	}
	p := &Pattern{}
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

// MuxAccepts reports, as an error, whether http.ServeMux refuses s.
func MuxAccepts(s string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w %q: %v", ErrPattern, s, p)
		}
	}()
	http.NewServeMux().Handle(s, http.NotFoundHandler())
	return nil
}

// Path is the path of a request as the matcher reads it: cleaned, and
// either decoded (URL.Path, when it has no escaped slash, so its segments
// are the request's) or escaped (URL.EscapedPath, whose segments are
// unescaped one by one, as ServeMux does).
type Path struct {
	p       string
	decoded bool
	plain   bool // decoded, or escaped without any '%': comparable as bytes
}

// RequestPath returns the path of r as Match reads it.
func RequestPath(r *http.Request) Path {
	if r.URL.RawPath == "" {
		return Path{p: CleanPath(r.URL.Path), decoded: true, plain: true}
	}
	p := CleanPath(r.URL.EscapedPath())
	return Path{p: p, plain: strings.IndexByte(p, '%') < 0}
}

// Match reports whether a request with this method, host (port stripped)
// and path matches p.
func (p *Pattern) Match(method, host string, rp Path) bool {
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

// CleanPath is ServeMux's: the canonical path, with a trailing slash kept.
// It does not allocate for a path that is already clean.
func CleanPath(p string) string {
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

// StripHostPort is ServeMux's: the host without its port.
func StripHostPort(h string) string {
	if !strings.Contains(h, ":") {
		return h
	}
	host, _, err := net.SplitHostPort(h)
	if err != nil {
		return h
	}
	return host
}
