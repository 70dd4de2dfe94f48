package capture

import (
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/reprokit/reprokit/internal/redact"
)

// URL returns u as it may be stored:
//
//   - userinfo ("user:password@") is masked whole;
//   - the host, and each path segment after percent-decoding, are searched
//     by the value patterns and sensitive pairs (";jsessionid=…"), the
//     host and the path read together so that a webhook URL is found; a
//     segment that holds a secret, or part of one, is replaced by its mark;
//   - the query and the fragment are redacted as a form is (see
//     redact_form.go): by the name of each parameter, OAuth parameters
//     such as code and access_token included, and by its value.
//
// The scheme, the other path segments, the names and order of the
// parameters are kept as they were written. A nil u gives "".
func (r *Redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r = r.get()
	var b strings.Builder
	b.Grow(len(u.Scheme) + len(u.Host) + len(u.Path) + len(u.RawQuery) + 16)
	buf := urlPool.Get().(*urlScratch)
	defer buf.release()
	out := buf.out[:0]
	if u.Scheme != "" {
		// A scheme is a short word ("https", "chrome-extension"); one that
		// is longer, or holds a secret, is not kept: a token before a colon
		// parses as a scheme, and url.Parse writes it in lower case, which
		// hides it from the value patterns.
		var spans [2]redact.Span
		if len(u.Scheme) > 16 || len(r.engine.Find(spans[:0], u.Scheme)) > 0 {
			out = append(out, "redacted"...)
			r.values.Add(1)
		} else {
			out = append(out, u.Scheme...)
		}
		out = append(out, ':')
	}
	if u.Opaque != "" {
		var spans [4]redact.Span
		out = redact.AppendMasked(out, u.Opaque, r.engine.FindText(spans[:0], u.Opaque), r.mask)
	} else {
		authority := false
		if u.Scheme != "" || u.Host != "" || u.User != nil {
			if !u.OmitHost || u.Host != "" || u.User != nil {
				out = append(out, "//"...)
				authority = true
			}
			if u.User != nil {
				if _, hasPassword := u.User.Password(); !hasPassword && redact.IsMark(u.User.Username()) {
					out = append(out, u.User.String()...)
				} else {
					// The mark, percent-encoded: brackets are not allowed in
					// userinfo, and the URL must parse again.
					var buf [32]byte
					out = appendUserinfoEscape(out, r.mask.AppendString(buf[:0], u.User.String()))
					r.values.Add(1)
				}
				out = append(out, '@')
			}
		}
		path := u.EscapedPath()
		if !authority && strings.HasPrefix(path, "//") {
			// Without a host, "//x" would read as one: write the same path
			// as "/%2Fx", which parses back to it.
			path = "/%2F" + path[2:]
		}
		if len(out) == 0 {
			// Nor may a first segment with a colon read as a scheme.
			if seg, _, _ := strings.Cut(path, "/"); strings.Contains(seg, ":") {
				out = append(out, "./"...)
			}
		}
		out = r.appendHostPath(out, u.Host, path, buf)
	}
	if u.ForceQuery || u.RawQuery != "" {
		out = append(out, '?')
		out = appendPairs(r, out, u.RawQuery, false)
	}
	if u.Fragment != "" {
		out = append(out, '#')
		out = appendPairs(r, out, u.EscapedFragment(), false)
	}
	b.Write(out)
	buf.out = out
	return b.String()
}

type urlScratch struct {
	out   []byte
	probe []byte
	segs  []int  // start of each segment in probe; the host is segment 0
	hits  []bool // the segments that hold a secret
	spans []redact.Span
}

var urlPool = sync.Pool{New: func() any { return new(urlScratch) }}

func (s *urlScratch) release() {
	if cap(s.out)+cap(s.probe) <= 1<<16 {
		urlPool.Put(s)
	}
}

// appendHostPath appends host and the escaped path, each segment that
// holds a secret replaced by its mark.
func (r *Redactor) appendHostPath(out []byte, host, path string, sc *urlScratch) []byte {
	lead := strings.HasPrefix(path, "/")
	rest := strings.TrimPrefix(path, "/")
	// The probe is the host and the decoded path as one text,
	// "host/seg/seg", so that a webhook URL is seen whole; the host is
	// segment 0. The path as written is probed too when it differs: a
	// secret may show only before decoding.
	sc.hits = sc.hits[:0]
	r.probe(sc, host, rest, path != "", true)
	if strings.Contains(path, "%") {
		r.probe(sc, host, rest, true, false)
	}
	if !slices.Contains(sc.hits, true) {
		out = append(out, host...)
		if path != "" && !lead && host != "" {
			out = append(out, '/')
		}
		return append(out, path...)
	}
	if host != "" && sc.hits[0] {
		// A host cannot hold brackets or a colon: "REDACTED-1a2b3c4d".
		var buf [32]byte
		for _, c := range r.mask.AppendString(buf[:0], host) {
			switch c {
			case '[', ']':
			case ':':
				out = append(out, '-')
			default:
				out = append(out, c)
			}
		}
		r.values.Add(1)
	} else {
		out = append(out, host...)
	}
	if path == "" {
		return out
	}
	if lead || host != "" {
		out = append(out, '/')
	}
	k := 1
	for seg, more := range segments(rest) {
		if seg != "" && sc.hits[k] {
			sc.probe = unescapePath(sc.probe[:0], seg)
			if redact.IsMarkBytes(sc.probe) {
				out = append(out, seg...)
			} else {
				out = r.mask.Append(out, sc.probe)
				r.values.Add(1)
			}
		} else {
			out = append(out, seg...)
		}
		if more {
			out = append(out, '/')
		}
		k++
	}
	return out
}

// probe looks for secrets in "host/seg/seg", the segments decoded or as
// written, and marks in sc.hits the segments (the host is 0) that hold
// one or part of one.
func (r *Redactor) probe(sc *urlScratch, host, rest string, hasPath, decode bool) {
	sc.probe = append(sc.probe[:0], host...)
	sc.segs = append(sc.segs[:0], 0)
	if hasPath {
		for seg := range segments(rest) {
			sc.probe = append(sc.probe, '/')
			sc.segs = append(sc.segs, len(sc.probe))
			if decode {
				sc.probe = unescapePath(sc.probe, seg)
			} else {
				sc.probe = append(sc.probe, seg...)
			}
		}
	}
	sc.segs = append(sc.segs, len(sc.probe)+1)
	for len(sc.hits) < len(sc.segs)-1 {
		sc.hits = append(sc.hits, false)
	}
	sc.spans = r.engine.FindTextBytes(sc.spans[:0], sc.probe)
	for _, sp := range sc.spans {
		for k := 0; k+1 < len(sc.segs); k++ {
			if a, b := sc.segs[k], sc.segs[k+1]-1; sp.Start < b && sp.End > a {
				sc.hits[k] = true
			}
		}
	}
}

// segments yields the "/"-separated segments of path, and whether
// another follows each.
func segments(path string) func(yield func(string, bool) bool) {
	return func(yield func(string, bool) bool) {
		for {
			seg, tail, more := strings.Cut(path, "/")
			if !yield(seg, more) || !more {
				return
			}
			path = tail
		}
	}
}

// appendUserinfoEscape appends a mark percent-encoded for the userinfo of
// a URL.
func appendUserinfoEscape(dst, mark []byte) []byte {
	for _, c := range mark {
		switch c {
		case '[':
			dst = append(dst, "%5B"...)
		case ']':
			dst = append(dst, "%5D"...)
		case ':':
			dst = append(dst, "%3A"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
