package capture

import (
	"sync"

	"github.com/reprokit/reprokit/internal/redact"
)

// The form redactor reads application/x-www-form-urlencoded bodies and
// URL query strings (and fragments) alike: "&"-separated name=value
// pairs, each name and value percent-decoded ("+" is a space) before it
// is looked at. A value under a sensitive name (or one not allowed in
// allow-list mode) is replaced whole; any other value is searched by the
// value patterns and sensitive pairs, and what they find is masked in the
// decoded value, which is then encoded again. A pair without "=" is a
// value without a name and is searched the same way, and masked whole
// when it holds a secret. Pairs that need no change are copied as they
// were, and the order of the pairs is kept.

// form redacts a form body; ok is false when it is not one: it holds
// spaces or control bytes, which a form encoder never leaves.
func (r *Redactor) form(body []byte, truncated bool) (out []byte, ok bool) {
	n := len(body)
	if !truncated {
		for n > 0 && (body[n-1] == '\n' || body[n-1] == '\r') {
			n--
		}
	}
	for _, c := range body[:n] {
		if c <= ' ' || c == 0x7f {
			return nil, false
		}
	}
	out = make([]byte, 0, len(body)+16)
	out = appendPairs(r, out, body[:n], truncated)
	return append(out, body[n:]...), true
}

// pairScratch holds the decoded name and value of one pair.
type pairScratch struct {
	name, value []byte
	spans       []redact.Span
}

var pairPool = sync.Pool{New: func() any { return new(pairScratch) }}

// appendPairs appends the query string or form body q, redacted. When
// truncated, the value of the last pair is masked whatever it is (the
// whole pair when it has no "=").
func appendPairs[T ~string | ~[]byte](r *Redactor, dst []byte, q T, truncated bool) []byte {
	sc := pairPool.Get().(*pairScratch)
	var masked uint64
	start := 0
	for {
		end := start
		for end < len(q) && q[end] != '&' {
			end++
		}
		last := end == len(q)
		dst, masked = appendPair(r, dst, q[start:end], truncated && last, sc, masked)
		if last {
			break
		}
		dst = append(dst, '&')
		start = end + 1
	}
	r.values.Add(masked)
	if cap(sc.name) <= 1<<12 && cap(sc.value) <= 1<<16 && cap(sc.spans) <= 1<<10 {
		pairPool.Put(sc)
	}
	return dst
}

func appendPair[T ~string | ~[]byte](r *Redactor, dst []byte, p T, cut bool, sc *pairScratch, masked uint64) ([]byte, uint64) {
	if len(p) == 0 {
		return dst, masked
	}
	eq := -1
	for k := 0; k < len(p); k++ {
		if p[k] == '=' {
			eq = k
			break
		}
	}
	if eq < 0 {
		// A value without a name.
		sc.value = unescapeQuery(sc.value[:0], p)
		secret := cut || len(r.engine.FindTextBytes(sc.spans[:0], sc.value)) > 0 ||
			escaped(p) && len(findRaw(r, sc.spans[:0], p)) > 0
		if !secret || redact.HasMarkPrefix(sc.value) {
			return append(dst, p...), masked
		}
		return r.mask.Append(dst, sc.value), masked + 1
	}
	sc.name = unescapeQuery(sc.name[:0], p[:eq])
	d, secretName := r.engine.Key(sc.name)
	if secretName || escaped(p[:eq]) && len(findRaw(r, sc.spans[:0], p[:eq])) > 0 {
		dst = r.mask.Append(dst, sc.name)
		masked++
	} else {
		dst = append(dst, p[:eq]...)
	}
	dst = append(dst, '=')
	raw := p[eq+1:]
	if len(raw) == 0 {
		return dst, masked
	}
	sc.value = unescapeQuery(sc.value[:0], raw)
	if redact.HasMarkPrefix(sc.value) {
		// Redacted already (perhaps as text, with what followed the secret).
		return append(dst, raw...), masked
	}
	if d != redact.Inspect || cut {
		return r.mask.Append(dst, sc.value), masked + 1
	}
	sc.spans = r.engine.FindTextBytes(sc.spans[:0], sc.value)
	if len(sc.spans) == 0 {
		if escaped(raw) && len(findRaw(r, sc.spans[:0], raw)) > 0 {
			// Visible only before decoding ("%0AIza…" decodes to "\nIza…").
			return r.mask.Append(dst, sc.value), masked + 1
		}
		return append(dst, raw...), masked
	}
	// Mask in the decoded value and encode it again, unless a secret
	// shows in the encoded form: then the whole value goes.
	sc.spans = redact.Merge(sc.spans)
	n := uint64(len(sc.spans))
	start := len(dst)
	at := 0
	for _, sp := range sc.spans {
		dst = appendQueryEscape(dst, sc.value[at:sp.Start])
		dst = r.mask.Append(dst, sc.value[sp.Start:sp.End])
		at = sp.End
	}
	dst = appendQueryEscape(dst, sc.value[at:])
	if len(r.engine.FindTextBytes(sc.spans[:0], dst[start:])) > 0 {
		return r.mask.Append(dst[:start], sc.value), masked + 1
	}
	return dst, masked + n
}

// escaped reports whether s differs from its decoded form: it holds "%"
// or "+".
func escaped[T ~string | ~[]byte](s T) bool {
	for k := 0; k < len(s); k++ {
		if s[k] == '%' || s[k] == '+' {
			return true
		}
	}
	return false
}

// findRaw is FindText for a string or bytes.
func findRaw[T ~string | ~[]byte](r *Redactor, dst []redact.Span, s T) []redact.Span {
	switch v := any(s).(type) {
	case string:
		return r.engine.FindText(dst, v)
	case []byte:
		return r.engine.FindTextBytes(dst, v)
	}
	return r.engine.FindText(dst, string(s))
}

// unescapeQuery appends s percent-decoded, with "+" as a space. An
// invalid escape is kept as it is.
func unescapeQuery[T ~string | ~[]byte](dst []byte, s T) []byte {
	for k := 0; k < len(s); k++ {
		switch c := s[k]; {
		case c == '+':
			dst = append(dst, ' ')
		case c == '%' && k+2 < len(s) && isHex(s[k+1]) && isHex(s[k+2]):
			dst = append(dst, unhex(s[k+1])<<4|unhex(s[k+2]))
			k += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// unescapePath is unescapeQuery without the "+" rule.
func unescapePath[T ~string | ~[]byte](dst []byte, s T) []byte {
	for k := 0; k < len(s); k++ {
		if c := s[k]; c == '%' && k+2 < len(s) && isHex(s[k+1]) && isHex(s[k+2]) {
			dst = append(dst, unhex(s[k+1])<<4|unhex(s[k+2]))
			k += 2
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// queryKeep are the bytes a query value may hold as they are.
var queryKeep = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		t[c] = 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || isDigit(b)
	}
	for _, c := range []byte("-_.~/:@,!$'()*") {
		t[c] = true
	}
	return t
}()

// appendQueryEscape appends s encoded for a query value: a space as "+",
// bytes outside queryKeep as %XX.
func appendQueryEscape(dst, s []byte) []byte {
	const hexDigits = "0123456789ABCDEF"
	for _, c := range s {
		switch {
		case queryKeep[c]:
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	return dst
}
