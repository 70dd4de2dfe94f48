package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/reprokit/reprokit/flags"
)

// decodeRecordFast decodes line into rec without reflection, and reports
// whether it did. It reads only the shape [AppendRecord] writes: the
// JSON names of the fields spelled exactly, each at most once, and
// values of the JSON type of their field. For anything else (a key that
// encoding/json would match case-insensitively or ignore, a duplicate
// key, null but as a flag's value, a number that is not an integer of
// the field's size, a flag value's number out of float64's range, a
// syntax error, data after the object) it returns false, leaving rec in
// an unspecified state, and the caller decodes the line with
// json.Unmarshal, which then gives the record or the error.
//
// Whenever it returns true, json.Unmarshal of line into a zero Record
// succeeds and gives a value deeply equal to rec: strings are unquoted
// as encoding/json unquotes them (invalid UTF-8 and lone surrogates
// become U+FFFD), Start and a flag's Expires are set by
// [time.Time.UnmarshalJSON], Body.JSON is a copy of the value's bytes as
// they are in line, headers are fresh maps with []string{} for an empty
// array, Flags is a fresh slice (empty, not nil, for []) whose values
// are what encoding/json makes of a JSON value in an any (see
// [recordScanner.anyValue]), and the rare GRPC is handed, as its exact
// bytes, to json.Unmarshal.
func decodeRecordFast(line []byte, rec *Record) bool {
	*rec = Record{}
	s := recordScanner{data: line}
	if !s.record(rec) {
		return false
	}
	s.skipWS()
	return s.pos == len(s.data)
}

// maxRawDepth bounds the nesting of a value that decodeRecordFast copies,
// decodes or hands to json.Unmarshal whole (a JSON body, a flag's value,
// the gRPC status): checked on its own, a value may be valid at a depth
// that, below the record's own objects, exceeds encoding/json's limit for
// the line. Deeper values go the slow way, which applies that limit.
const maxRawDepth = 1000

// recordScanner reads the tokens of one record line from left to right.
// Every method skips the whitespace before its token, returns false
// for anything but the token it expects, and never reads past the data.
type recordScanner struct {
	data []byte
	pos  int
}

// fieldSet records which fields of one JSON object were seen, to refuse
// a duplicate key.
type fieldSet uint32

// first marks field i as seen and reports whether it was not before.
func (f *fieldSet) first(i uint) bool {
	if *f&(1<<i) != 0 {
		return false
	}
	*f |= 1 << i
	return true
}

// record reads the top-level object into rec.
func (s *recordScanner) record(rec *Record) bool {
	var seen fieldSet
	return s.object(func(key []byte, _ bool) bool {
		switch string(key) {
		case "schema":
			return seen.first(0) && s.str(&rec.Schema)
		case "kind":
			return seen.first(1) && s.str(&rec.Kind)
		case "id":
			return seen.first(2) && s.str(&rec.ID)
		case "start":
			return seen.first(3) && s.timestamp(&rec.Start)
		case "duration_ns":
			return seen.first(4) && s.int64((*int64)(&rec.Duration))
		case "correlation_id":
			return seen.first(5) && s.str(&rec.CorrelationID)
		case "trace_id":
			return seen.first(6) && s.str(&rec.TraceID)
		case "span_id":
			return seen.first(7) && s.str(&rec.SpanID)
		case "reason":
			return seen.first(8) && s.str(&rec.Reason)
		case "request":
			return seen.first(9) && s.request(&rec.Request)
		case "response":
			return seen.first(10) && s.response(&rec.Response)
		case "grpc":
			return seen.first(11) && s.unmarshal(&rec.GRPC)
		case "error":
			return seen.first(12) && s.str(&rec.Error)
		case "panic":
			return seen.first(13) && s.str(&rec.Panic)
		case "flags":
			return seen.first(14) && s.flagValues(&rec.Flags)
		case "env_id":
			return seen.first(15) && s.str(&rec.EnvID)
		}
		return false
	})
}

// request reads a Request object into q.
func (s *recordScanner) request(q *Request) bool {
	var seen fieldSet
	return s.object(func(key []byte, _ bool) bool {
		switch string(key) {
		case "method":
			return seen.first(0) && s.str(&q.Method)
		case "url":
			return seen.first(1) && s.str(&q.URL)
		case "host":
			return seen.first(2) && s.str(&q.Host)
		case "proto":
			return seen.first(3) && s.str(&q.Proto)
		case "route":
			return seen.first(4) && s.str(&q.Route)
		case "header":
			return seen.first(5) && s.header(&q.Header)
		case "trailer":
			return seen.first(6) && s.header(&q.Trailer)
		case "body":
			return seen.first(7) && s.body(&q.Body)
		}
		return false
	})
}

// response reads a Response object into p.
func (s *recordScanner) response(p *Response) bool {
	var seen fieldSet
	return s.object(func(key []byte, _ bool) bool {
		switch string(key) {
		case "status":
			return seen.first(0) && s.int(&p.Status)
		case "header":
			return seen.first(1) && s.header(&p.Header)
		case "trailer":
			return seen.first(2) && s.header(&p.Trailer)
		case "body":
			return seen.first(3) && s.body(&p.Body)
		}
		return false
	})
}

// body reads a Body object into b.
func (s *recordScanner) body(b *Body) bool {
	var seen fieldSet
	return s.object(func(key []byte, _ bool) bool {
		switch string(key) {
		case "content_type":
			return seen.first(0) && s.str(&b.ContentType)
		case "size":
			return seen.first(1) && s.int64(&b.Size)
		case "truncated":
			return seen.first(2) && s.bool(&b.Truncated)
		case "omitted":
			return seen.first(3) && s.bool(&b.Omitted)
		case "json":
			return seen.first(4) && s.rawJSON(&b.JSON)
		case "text":
			return seen.first(5) && s.str(&b.Text)
		case "base64":
			return seen.first(6) && s.str(&b.Base64)
		}
		return false
	})
}

// header reads an object of string arrays into a new map in *h, as
// encoding/json does: an empty array is []string{}, not nil. A key that
// appears twice is refused.
func (s *recordScanner) header(h *http.Header) bool {
	m := http.Header{}
	*h = m
	return s.object(func(key []byte, plain bool) bool {
		k, ok := knownString(key), true
		if !plain {
			k, ok = unquoteJSON(key)
		}
		if !ok {
			return false
		}
		if _, dup := m[k]; dup {
			return false
		}
		var vs []string
		if !s.stringArray(&vs) {
			return false
		}
		m[k] = vs
		return true
	})
}

// stringArray reads an array of strings into *vs, a non-nil slice.
func (s *recordScanner) stringArray(vs *[]string) bool {
	if !s.consume('[') {
		return false
	}
	*vs = []string{}
	if s.consume(']') {
		return true
	}
	for {
		var v string
		if !s.str(&v) {
			return false
		}
		*vs = append(*vs, v)
		if !s.consume(',') {
			return s.consume(']')
		}
	}
}

// flagValues reads an array of flag objects into *dst, a fresh slice of
// the array's length, non-nil as encoding/json makes it for an empty
// array.
func (s *recordScanner) flagValues(dst *[]flags.FlagValue) bool {
	if !s.consume('[') {
		return false
	}
	// The flags of most records fit in buf: one allocation, of the
	// right size, instead of one at each growth of the slice.
	var buf [16]flags.FlagValue
	fvs := buf[:0]
	if !s.consume(']') {
		for {
			fvs = append(fvs, flags.FlagValue{})
			if !s.flagValue(&fvs[len(fvs)-1]) {
				return false
			}
			if !s.consume(',') {
				break
			}
		}
		if !s.consume(']') {
			return false
		}
	}
	*dst = append([]flags.FlagValue{}, fvs...)
	return true
}

// flagValue reads a FlagValue object into f, a zero one.
func (s *recordScanner) flagValue(f *flags.FlagValue) bool {
	var seen fieldSet
	return s.object(func(key []byte, _ bool) bool {
		switch string(key) {
		case "name":
			return seen.first(0) && s.str(&f.Name)
		case "value":
			if !seen.first(1) {
				return false
			}
			v, ok := s.anyValue(0)
			f.Value = v
			return ok
		case "source":
			return seen.first(2) && s.str(&f.Source)
		case "expires":
			return seen.first(3) && s.timestamp(&f.Expires)
		case "by":
			return seen.first(4) && s.str(&f.By)
		}
		return false
	})
}

// anyValue reads any JSON value, depth arrays and objects deep in the
// flag value it is part of, and returns what encoding/json decodes it to
// in an any: map[string]any for an object (a key that appears twice keeps its
// later value), []any for an array (empty, not nil, for []), string,
// float64, bool, or nil for null. It reports false for a value nested
// more than maxRawDepth levels, and for a number out of float64's range,
// which encoding/json refuses.
func (s *recordScanner) anyValue(depth int) (any, bool) {
	s.skipWS()
	if s.pos == len(s.data) {
		return nil, false
	}
	switch s.data[s.pos] {
	case '"':
		var v string
		ok := s.str(&v)
		return v, ok
	case '{':
		if depth >= maxRawDepth {
			return nil, false
		}
		m := map[string]any{}
		ok := s.object(func(key []byte, plain bool) bool {
			k, ok := string(key), true
			if !plain {
				k, ok = unquoteJSON(key)
			}
			if !ok {
				return false
			}
			m[k], ok = s.anyValue(depth + 1)
			return ok
		})
		return m, ok
	case '[':
		if depth >= maxRawDepth {
			return nil, false
		}
		s.pos++
		a := []any{}
		if s.consume(']') {
			return a, true
		}
		for {
			v, ok := s.anyValue(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
			if !s.consume(',') {
				return a, s.consume(']')
			}
		}
	case 't', 'f':
		var v bool
		ok := s.bool(&v)
		return v, ok
	case 'n':
		if !bytes.HasPrefix(s.data[s.pos:], []byte("null")) {
			return nil, false
		}
		s.pos += len("null")
		return nil, true
	}
	var f float64
	ok := s.float64(&f)
	return f, ok
}

// float64 reads a JSON number into *dst as encoding/json decodes one into
// an any: the number grammar checked, then strconv.ParseFloat of its
// text. It reports false for a number out of float64's range. It stops
// where the grammar does, so that the caller, finding no comma or
// closing bracket after "0" in "01" or after "1.5" in "1.5.2", refuses
// the line.
func (s *recordScanner) float64(dst *float64) bool {
	s.skipWS()
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i == len(d):
		return false
	case d[i] == '0':
		i++
	case '1' <= d[i] && d[i] <= '9':
		i = skipDigits(d, i+1)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		j := skipDigits(d, i+1)
		if j == i+1 { // no digit after the point
			return false
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := skipDigits(d, i)
		if j == i { // no digit in the exponent
			return false
		}
		i = j
	}
	f, err := strconv.ParseFloat(string(d[s.pos:i]), 64)
	if err != nil {
		return false
	}
	*dst = f
	s.pos = i
	return true
}

// skipDigits returns the index of the first byte of d at or after i that
// is not an ASCII digit.
func skipDigits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}

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
