package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// object reads an object, calling field with the raw text of each key
// (between its quotes, escapes not resolved) and whether it is plain, as
// quoted returns them, when the scanner is at the key's value; field
// reads the value and reports whether it was good.
func (s *recordScanner) object(field func(key []byte, plain bool) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		key, plain, ok := s.quoted()
		if !ok || !s.consume(':') || !field(key, plain) {
			return false
		}
		if !s.consume(',') {
			return s.consume('}')
		}
	}
}

// skipWS moves past the whitespace JSON allows between tokens.
func (s *recordScanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// consume moves past c, the next token, and reports whether it was there.
func (s *recordScanner) consume(c byte) bool {
	s.skipWS()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// quoted moves past a string token and returns the bytes between its
// quotes as they are, and whether they are plain: printable ASCII, no
// escape, the string itself. It reports false for a string that is not
// closed or holds a control character.
func (s *recordScanner) quoted() (raw []byte, plain, ok bool) {
	if !s.consume('"') {
		return nil, false, false
	}
	start := s.pos
	plain = true
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		if plainJSON[c] {
			continue
		}
		switch {
		case c == '"':
			s.pos = i + 1
			return s.data[start:i], plain, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			i++ // the escaped byte, checked by unquoteJSON
		}
		plain = false
	}
	return nil, false, false
}

// str reads a string into *dst.
func (s *recordScanner) str(dst *string) bool {
	raw, plain, ok := s.quoted()
	if !ok {
		return false
	}
	if plain {
		*dst = knownString(raw)
		return true
	}
	*dst, ok = unquoteJSON(raw)
	return ok
}

// knownString returns string(raw), without allocating for the values
// that most records repeat: schema, kinds, reasons, methods, protocols,
// and common header names and content types.
func knownString(raw []byte) string {
	switch string(raw) {
	case Schema:
		return Schema
	case KindHTTP:
		return KindHTTP
	case KindGRPC:
		return KindGRPC
	case ReasonRate:
		return ReasonRate
	case ReasonDebug:
		return ReasonDebug
	case ReasonFailure:
		return ReasonFailure
	case ReasonManual:
		return ReasonManual
	case http.MethodGet:
		return http.MethodGet
	case http.MethodHead:
		return http.MethodHead
	case http.MethodPost:
		return http.MethodPost
	case http.MethodPut:
		return http.MethodPut
	case http.MethodPatch:
		return http.MethodPatch
	case http.MethodDelete:
		return http.MethodDelete
	case http.MethodOptions:
		return http.MethodOptions
	case "HTTP/1.0":
		return "HTTP/1.0"
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/2.0":
		return "HTTP/2.0"
	case "Accept":
		return "Accept"
	case "Accept-Encoding":
		return "Accept-Encoding"
	case "Accept-Language":
		return "Accept-Language"
	case "Authorization":
		return "Authorization"
	case "Cache-Control":
		return "Cache-Control"
	case "Content-Encoding":
		return "Content-Encoding"
	case "Content-Length":
		return "Content-Length"
	case "Content-Type":
		return "Content-Type"
	case "Cookie":
		return "Cookie"
	case "Date":
		return "Date"
	case "Etag":
		return "Etag"
	case "Grpc-Message":
		return "Grpc-Message"
	case "Grpc-Status":
		return "Grpc-Status"
	case "Location":
		return "Location"
	case "Set-Cookie":
		return "Set-Cookie"
	case "Traceparent":
		return "Traceparent"
	case "User-Agent":
		return "User-Agent"
	case "Vary":
		return "Vary"
	case "X-Forwarded-For":
		return "X-Forwarded-For"
	case "X-Request-Id":
		return "X-Request-Id"
	case "application/grpc":
		return "application/grpc"
	case "application/json":
		return "application/json"
	case "application/json; charset=utf-8":
		return "application/json; charset=utf-8"
	case "application/octet-stream":
		return "application/octet-stream"
	case "application/x-www-form-urlencoded":
		return "application/x-www-form-urlencoded"
	case "text/html; charset=utf-8":
		return "text/html; charset=utf-8"
	case "text/plain; charset=utf-8":
		return "text/plain; charset=utf-8"
	}
	return string(raw)
}

// timestamp reads a string into *dst with time.Time's own
// UnmarshalJSON, given the string token, quotes and escapes included,
// as encoding/json gives it.
func (s *recordScanner) timestamp(dst *time.Time) bool {
	s.skipWS()
	start := s.pos
	if _, _, ok := s.quoted(); !ok {
		return false
	}
	return dst.UnmarshalJSON(s.data[start:s.pos]) == nil
}

// int reads an integer that fits an int into *dst.
func (s *recordScanner) int(dst *int) bool {
	var n int64
	if !s.int64(&n) || int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	return true
}

// int64 reads an integer that fits an int64 into *dst: a JSON number
// without fraction or exponent, as encoding/json takes for an integer.
func (s *recordScanner) int64(dst *int64) bool {
	s.skipWS()
	i := s.pos
	neg := i < len(s.data) && s.data[i] == '-'
	if neg {
		i++
	}
	start := i
	var u uint64
	for ; i < len(s.data) && '0' <= s.data[i] && s.data[i] <= '9'; i++ {
		if i-start == 19 { // 20 digits: too large, or a leading zero
			return false
		}
		u = u*10 + uint64(s.data[i]-'0')
	}
	switch {
	case i == start, // no digit
		s.data[start] == '0' && i-start > 1, // a leading zero
		i < len(s.data) && (s.data[i] == '.' || s.data[i] == 'e' || s.data[i] == 'E'),
		neg && u > 1<<63,
		!neg && u > 1<<63-1:
		return false
	}
	s.pos = i
	if neg {
		*dst = int64(-u) // -(1<<63) included: the conversion wraps
	} else {
		*dst = int64(u)
	}
	return true
}

// bool reads true or false into *dst.
func (s *recordScanner) bool(dst *bool) bool {
	s.skipWS()
	rest := s.data[s.pos:]
	switch {
	case bytes.HasPrefix(rest, []byte("true")):
		*dst = true
		s.pos += len("true")
	case bytes.HasPrefix(rest, []byte("false")):
		*dst = false
		s.pos += len("false")
	default:
		return false
	}
	return true
}

// rawJSON reads any JSON value but null into *dst, a copy of its bytes
// as they are in the line, as json.RawMessage's UnmarshalJSON keeps them.
func (s *recordScanner) rawJSON(dst *json.RawMessage) bool {
	v, ok := s.value()
	if !ok || string(v) == "null" || !json.Valid(v) {
		return false
	}
	*dst = append(json.RawMessage(nil), v...)
	return true
}

// unmarshal reads any JSON value but null and decodes it into dst with
// json.Unmarshal, which is what decoding the whole line does to it.
func (s *recordScanner) unmarshal(dst any) bool {
	v, ok := s.value()
	return ok && string(v) != "null" && json.Unmarshal(v, dst) == nil
}

// value moves past one JSON value, of at most maxRawDepth levels, and
// returns its bytes. It finds only where the value ends: the caller
// checks that the bytes are valid JSON.
func (s *recordScanner) value() ([]byte, bool) {
	s.skipWS()
	start := s.pos
	depth := 0
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '"':
			if _, _, ok := s.quoted(); !ok {
				return nil, false
			}
		case '{', '[':
			if depth++; depth > maxRawDepth {
				return nil, false
			}
			s.pos++
			continue
		case '}', ']':
			if depth == 0 { // after a number or literal: its parent's end
				return s.data[start:s.pos], true
			}
			depth--
			s.pos++
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 { // after a number or literal
				return s.data[start:s.pos], true
			}
			s.pos++
			continue
		default: // a byte of a number or literal
			s.pos++
			continue
		}
		if depth == 0 { // a string or a closing bracket ended the value
			return s.data[start:s.pos], true
		}
	}
	return s.data[start:s.pos], depth == 0
}

// unquoteJSON returns the string that raw, the bytes between the quotes of
// a JSON string as quoted returns them, stands for, as encoding/json
// unquotes it: escapes resolved, an invalid or lone surrogate escape
// and each byte of invalid UTF-8 replaced by U+FFFD. It reports false
// for an escape JSON does not have.
func unquoteJSON(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), true
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case plainJSON[c]:
			j := i + 1
			for j < len(raw) && plainJSON[raw[j]] {
				j++
			}
			b.Write(raw[i:j])
			i = j
		case c == '\\':
			n, ok := writeEscape(&b, raw[i:])
			if !ok {
				return "", false
			}
			i += n
		case c < utf8.RuneSelf: // a quote or a control character
			return "", false
		default:
			r, size := utf8.DecodeRune(raw[i:])
			b.WriteRune(r) // utf8.RuneError for an invalid byte
			i += size
		}
	}
	return b.String(), true
}

// shortEscapes maps the byte after a backslash to the byte it stands for,
// for the escapes of one letter; 0 for the others.
var shortEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// writeEscape writes to b what the escape at the start of p stands for, and
// returns its length: 2, 6, or 12 for a surrogate pair. An escaped
// surrogate that does not start a valid pair is U+FFFD, and the escape
// after it is read on its own, as encoding/json does.
func writeEscape(b *strings.Builder, p []byte) (int, bool) {
	if len(p) < 2 {
		return 0, false
	}
	if c := shortEscapes[p[1]]; c != 0 {
		b.WriteByte(c)
		return 2, true
	}
	r, ok := uEscape(p)
	if !ok {
		return 0, false
	}
	if !utf16.IsSurrogate(r) {
		b.WriteRune(r)
		return 6, true
	}
	if r2, ok := uEscape(p[6:]); ok {
		if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
			b.WriteRune(pair)
			return 12, true
		}
	}
	b.WriteRune(utf8.RuneError)
	return 6, true
}

// uEscape returns the code unit of the \uXXXX escape at the start of p.
func uEscape(p []byte) (rune, bool) {
	if len(p) < 6 || p[0] != '\\' || p[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range p[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
