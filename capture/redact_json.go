package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/reprokit/reprokit/internal/redact"
)

// The JSON redactor is a streaming tokenizer over the bytes of the body.
// It copies the input to the output in runs and writes only what it
// replaces, so what it keeps (whitespace, key order, number text, escapes)
// is byte for byte the original, and the output is valid JSON whenever the
// input is. Replacing a value always writes a JSON string: the mark of a
// string, number, boolean, object or array is "[REDACTED]" (or its keyed
// hash); null is kept, since it holds nothing.
//
// For each value it knows the decision of the key it sits under:
//
//   - Sensitive: the value is replaced whole, object and array included
//     (the container is skipped by counting brackets, and only checked
//     with json.Valid).
//   - NotAllowed (allow-list mode): scalars are replaced; objects and
//     arrays are walked, since keys inside may be allowed.
//   - Inspect: strings are searched by the value patterns and sensitive
//     pairs (in their decoded form, \u escapes resolved, and in their raw
//     form); a match is masked in place, or the whole string is replaced
//     when the match exists only in the raw form or shows again once the
//     masked string is encoded anew. Numbers that are card numbers are
//     replaced.
//
// An array's elements inherit its decision. Keys are decoded before they
// are classified, and a key that itself holds a secret is replaced.
// Nesting deeper than MaxJSONDepth is replaced whole (past the 10000
// levels json.Valid accepts, the body is redacted as text).

var (
	errJSONEnd    = errors.New("unexpected end of JSON")
	errJSONSyntax = errors.New("invalid JSON")
)

type jsonFrame struct {
	obj bool
	d   redact.Decision // of an array's elements
}

// jsonRedactor holds the state of one body; it is pooled.
type jsonRedactor struct {
	r         *Redactor
	in        []byte
	out       []byte
	last      int // in[:last] is accounted for in out
	pending   int // start of the token being read, -1 between tokens
	truncated bool
	masked    uint64
	stack     []jsonFrame
	spans     []redact.Span
	buf       []byte // a decoded string
	enc       []byte // a decoded string, masked
	quo       []byte // that string quoted again
	keys      [keyCacheSize]keyEntry
}

// The keys of a document repeat (every element of an array of objects
// has the same ones), and the engine's lookup hashes the name each time.
// A run keeps the decisions of the last keys it met in a small
// direct-mapped cache of offsets into its input: no allocation, a length
// check and a byte comparison instead of a map lookup.
const keyCacheSize = 32

type keyEntry struct {
	off    int32 // of the name in the input
	n      int32 // its length + 1; 0: empty entry
	d      redact.Decision
	secret bool
}

func keySlot(name []byte) int {
	h := uint(len(name)) * 31
	if len(name) > 0 {
		h += uint(name[0])*7 + uint(name[len(name)-1])*131
	}
	return int(h % keyCacheSize)
}

var jsonPool = sync.Pool{New: func() any { return new(jsonRedactor) }}

// json redacts body as JSON; ok is false when it is not JSON (and it is
// not a truncated prefix of JSON). multi accepts a sequence of values
// separated by whitespace (NDJSON).
func (r *Redactor) json(body []byte, truncated, multi bool) (out []byte, ok bool) {
	j := jsonPool.Get().(*jsonRedactor)
	*j = jsonRedactor{r: r, in: body, pending: -1, truncated: truncated,
		stack: j.stack[:0], spans: j.spans[:0], buf: j.buf[:0], enc: j.enc[:0], quo: j.quo[:0]}
	err := j.run(multi)
	switch {
	case err == nil:
	case err == errJSONEnd && truncated:
		if j.pending >= 0 {
			j.replace(j.pending, len(body), body[j.pending:])
		}
	default:
		j.release()
		return nil, false
	}
	if j.out == nil {
		out = make([]byte, len(body))
		copy(out, body)
	} else {
		out = append(j.out, body[j.last:]...)
	}
	r.values.Add(j.masked)
	j.release()
	return out, true
}

func (j *jsonRedactor) release() {
	j.r, j.in, j.out = nil, nil, nil
	if cap(j.buf) > 1<<16 || cap(j.enc) > 1<<16 || cap(j.quo) > 1<<16 || cap(j.spans) > 1<<12 {
		return
	}
	jsonPool.Put(j)
}

func (j *jsonRedactor) run(multi bool) error {
	in := j.in
	top := redact.Inspect
	if j.r.allowList {
		top = redact.NotAllowed
	}
	d := top
	i := 0
	var err error
	for {
		// A value, under decision d, starts at i.
		i = skipSpace(in, i)
		if i >= len(in) {
			if multi && len(j.stack) == 0 && i > 0 {
				return nil
			}
			return errJSONEnd
		}
		switch c := in[i]; {
		case c == '{' || c == '[':
			if d == redact.Sensitive || len(j.stack) >= MaxJSONDepth {
				end := skipContainer(in, i)
				if end < 0 {
					j.pending = i
					return errJSONEnd
				}
				// Skipped, but checked: what is not JSON goes to the
				// fallback whole, as it would have without the skip.
				if !json.Valid(in[i:end]) {
					return errJSONSyntax
				}
				j.replace(i, end, in[i:end])
				i = end
				break
			}
			j.stack = append(j.stack, jsonFrame{obj: c == '{', d: d})
			i = skipSpace(in, i+1)
			if i >= len(in) {
				return errJSONEnd
			}
			if c == '{' && in[i] == '}' || c == '[' && in[i] == ']' {
				j.stack = j.stack[:len(j.stack)-1]
				i++
				break
			}
			if c == '{' {
				if i, d, err = j.key(i); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if i, err = j.str(i, d); err != nil {
				return err
			}
		case c == '-' || '0' <= c && c <= '9':
			if i, err = j.number(i, d); err != nil {
				return err
			}
		case c == 't' || c == 'f' || c == 'n':
			if i, err = j.literal(i, d); err != nil {
				return err
			}
		default:
			return errJSONSyntax
		}
		// After a value: a comma, a closing bracket, or the end.
		for {
			i = skipSpace(in, i)
			if len(j.stack) == 0 {
				if i == len(in) {
					return nil
				}
				if !multi {
					return errJSONSyntax
				}
				d = top
				break
			}
			if i >= len(in) {
				return errJSONEnd
			}
			f := j.stack[len(j.stack)-1]
			c := in[i]
			if c == ',' {
				i = skipSpace(in, i+1)
				if i >= len(in) {
					return errJSONEnd
				}
				if f.obj {
					if i, d, err = j.key(i); err != nil {
						return err
					}
				} else {
					d = f.d
				}
				break
			}
			if f.obj && c == '}' || !f.obj && c == ']' {
				j.stack = j.stack[:len(j.stack)-1]
				i++
				continue
			}
			return errJSONSyntax
		}
	}
}

// key reads the key at in[i] and its colon, and returns where its value
// starts and the decision for it.
func (j *jsonRedactor) key(i int) (int, redact.Decision, error) {
	in := j.in
	if in[i] != '"' {
		return 0, 0, errJSONSyntax
	}
	j.pending = i
	end, escaped, err := scanString(in, i)
	if err != nil {
		return 0, 0, err
	}
	name := in[i+1 : end-1]
	if escaped {
		j.buf = appendUnquoted(j.buf[:0], name)
		name = j.buf
	}
	var d redact.Decision
	var secret bool
	if escaped || len(in) > 1<<31-1 {
		d, secret = j.r.engine.Key(name)
	} else {
		e := &j.keys[keySlot(name)]
		if int(e.n) == len(name)+1 && bytes.Equal(in[e.off:int(e.off)+len(name)], name) {
			d, secret = e.d, e.secret
		} else {
			d, secret = j.r.engine.Key(name)
			*e = keyEntry{off: int32(i + 1), n: int32(len(name) + 1), d: d, secret: secret}
		}
	}
	if !secret && escaped {
		// A secret may show only in the escaped form ("\npm_…").
		secret = len(j.r.engine.FindBytes(j.spans[:0], in[i+1:end-1])) > 0
	}
	if secret {
		j.replace(i, end, name)
	}
	j.pending = -1
	k := skipSpace(in, end)
	if k >= len(in) {
		return 0, 0, errJSONEnd
	}
	if in[k] != ':' {
		return 0, 0, errJSONSyntax
	}
	return k + 1, d, nil
}

// str reads the string at in[i], a value under decision d.
func (j *jsonRedactor) str(i int, d redact.Decision) (int, error) {
	in := j.in
	j.pending = i
	end, escaped, err := scanString(in, i)
	if err != nil {
		return 0, err
	}
	j.pending = -1
	raw := in[i+1 : end-1]
	if len(raw) == 0 {
		return end, nil
	}
	val := raw
	if escaped {
		j.buf = appendUnquoted(j.buf[:0], raw)
		val = j.buf
	}
	if d != redact.Inspect {
		// A value that begins with a mark was redacted already (perhaps as
		// text, with what followed the secret): it stays as it is.
		if !redact.HasMarkPrefix(val) {
			j.replace(i, end, val)
		}
		return end, nil
	}
	if !escaped {
		if j.spans = j.r.engine.FindTextBytes(j.spans[:0], raw); len(j.spans) > 0 {
			j.spans = redact.Merge(j.spans)
			j.masked += uint64(len(j.spans))
			j.out = append(j.grow(i), '"')
			j.out = redact.AppendMasked(j.out, raw, j.spans, j.r.mask)
			j.out = append(j.out, '"')
			j.last = end
		}
		return end, nil
	}
	// Escaped: look at the decoded string, mask it and encode it again,
	// unless a secret shows in the encoded form (an escape followed by
	// "pm_…" reads "\npm_…"): then the whole string goes.
	j.spans = j.r.engine.FindTextBytes(j.spans[:0], val)
	if len(j.spans) == 0 {
		if len(j.r.engine.FindTextBytes(j.spans[:0], raw)) > 0 {
			j.replace(i, end, val)
		}
		return end, nil
	}
	j.spans = redact.Merge(j.spans)
	masked := uint64(len(j.spans))
	j.enc = redact.AppendMasked(j.enc[:0], val, j.spans, j.r.mask)
	j.quo = appendQuoted(j.quo[:0], j.enc)
	if len(j.r.engine.FindTextBytes(j.spans[:0], j.quo[1:len(j.quo)-1])) > 0 {
		j.replace(i, end, val)
		return end, nil
	}
	j.masked += masked
	j.out = append(j.grow(i), j.quo...)
	j.last = end
	return end, nil
}

// number reads the number at in[i], a value under decision d.
func (j *jsonRedactor) number(i int, d redact.Decision) (int, error) {
	in := j.in
	j.pending = i
	k := i
	if in[k] == '-' {
		k++
	}
	switch {
	case k < len(in) && in[k] == '0':
		k++
	case k < len(in) && '1' <= in[k] && in[k] <= '9':
		k = digits(in, k)
	case k >= len(in):
		return 0, errJSONEnd
	default:
		return 0, errJSONSyntax
	}
	if k < len(in) && in[k] == '.' {
		if k = digits(in, k+1); k < len(in) && !isDigit(in[k-1]) {
			return 0, errJSONSyntax
		}
	}
	if k < len(in) && (in[k] == 'e' || in[k] == 'E') {
		k++
		if k < len(in) && (in[k] == '+' || in[k] == '-') {
			k++
		}
		if k = digits(in, k); k < len(in) && !isDigit(in[k-1]) {
			return 0, errJSONSyntax
		}
	}
	if k == len(in) && (j.truncated || !isDigit(in[k-1])) {
		// The number may go on past the cut.
		return 0, errJSONEnd
	}
	j.pending = -1
	num := in[i:k]
	switch {
	case d != redact.Inspect:
		j.replace(i, k, num)
	case len(num) >= 13 || j.r.engine.HasPatterns():
		var buf [2]redact.Span
		if len(j.r.engine.FindBytes(buf[:0], num)) > 0 {
			j.replace(i, k, num)
		}
	}
	return k, nil
}

// literal reads true, false or null at in[i], a value under decision d.
func (j *jsonRedactor) literal(i int, d redact.Decision) (int, error) {
	in := j.in
	var lit string
	switch in[i] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	default:
		lit = "null"
	}
	n := min(len(lit), len(in)-i)
	if string(in[i:i+n]) != lit[:n] {
		return 0, errJSONSyntax
	}
	if n < len(lit) {
		j.pending = i
		return 0, errJSONEnd
	}
	if d != redact.Inspect && lit != "null" {
		j.replace(i, i+n, in[i:i+n])
	}
	return i + n, nil
}

// grow copies the input up to i to the output.
func (j *jsonRedactor) grow(i int) []byte {
	if j.out == nil {
		j.out = make([]byte, 0, len(j.in)+len(j.in)/8+16)
	}
	return append(j.out, j.in[j.last:i]...)
}

// replace writes the mark of secret, as a JSON string, in place of
// in[a:b].
func (j *jsonRedactor) replace(a, b int, secret []byte) {
	j.out = append(j.grow(a), '"')
	j.out = j.r.mask.Append(j.out, secret)
	j.out = append(j.out, '"')
	j.last = b
	j.masked++
}

func skipSpace(in []byte, i int) int {
	for i < len(in) {
		switch in[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func digits(in []byte, i int) int {
	for i < len(in) && isDigit(in[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// strStop marks the bytes that end the fast scan of a string: the quote,
// the backslash and control characters, which are invalid in a string.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// scanString returns the end (after the closing quote) of the string that
// starts at in[i], and whether it holds escapes.
func scanString(in []byte, i int) (end int, escaped bool, err error) {
	k := i + 1
	for {
		for k < len(in) && !strStop[in[k]] {
			k++
		}
		if k >= len(in) {
			return 0, false, errJSONEnd
		}
		switch c := in[k]; {
		case c == '"':
			return k + 1, escaped, nil
		case c == '\\':
			escaped = true
			if k+1 >= len(in) {
				return 0, false, errJSONEnd
			}
			switch in[k+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				k += 2
			case 'u':
				for m := k + 2; m < k+6; m++ {
					if m >= len(in) {
						return 0, false, errJSONEnd
					}
					if !isHex(in[m]) {
						return 0, false, errJSONSyntax
					}
				}
				k += 6
			default:
				return 0, false, errJSONSyntax
			}
		default:
			return 0, false, errJSONSyntax
		}
	}
}

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipContainer returns the end of the object or array at in[i] (after
// its closing bracket), counting brackets outside strings, or -1 when the
// input ends first. It does not check what it skips.
func skipContainer(in []byte, i int) int {
	depth := 0
	for k := i; k < len(in); k++ {
		switch in[k] {
		case '"':
			k++
			for k < len(in) && in[k] != '"' {
				if in[k] == '\\' {
					k++
				}
				k++
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return k + 1
			}
		}
	}
	return -1
}

// appendUnquoted appends the decoded content of a JSON string (without
// its quotes) whose escapes scanString checked. Invalid surrogates become
// U+FFFD, as in encoding/json; other bytes are copied as they are.
func appendUnquoted(dst, s []byte) []byte {
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		k++
		switch s[k] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(s[k+1:]))
			k += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if k+6 < len(s)+0 && s[k+1] == '\\' && s[k+2] == 'u' {
					if r2 = utf16.DecodeRune(r, rune(hex4(s[k+3:]))); r2 != utf8.RuneError {
						k += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, s[k])
		}
	}
	return dst
}

func hex4(s []byte) int {
	v := 0
	for _, c := range s[:4] {
		v <<= 4
		switch {
		case isDigit(c):
			v |= int(c - '0')
		case 'a' <= c && c <= 'f':
			v |= int(c - 'a' + 10)
		default:
			v |= int(c - 'A' + 10)
		}
	}
	return v
}

// appendQuoted appends s as a JSON string: quotes, backslashes and
// control characters escaped, every other byte as it is.
func appendQuoted(dst, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
