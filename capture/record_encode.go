package capture

import (
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendRecordJSON appends the JSON encoding of rec, exactly as
// encoding/json with SetEscapeHTML(false) writes it (a test holds the
// two together), without reflection: a record is encoded on every
// capture, and encoding/json spends ten allocations on sorting the keys
// of its header maps alone.
func appendRecordJSON(b []byte, rec *Record) ([]byte, error) {
	b = append(b, `{"schema":`...)
	b = appendJSONString(b, rec.Schema)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, rec.Kind)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, rec.ID)
	b = append(b, `,"start":`...)
	var err error
	if b, err = appendJSONTime(b, rec.Start); err != nil {
		return b, err
	}
	b = append(b, `,"duration_ns":`...)
	b = strconv.AppendInt(b, int64(rec.Duration), 10)
	b = appendOptString(b, `,"correlation_id":`, rec.CorrelationID)
	b = appendOptString(b, `,"trace_id":`, rec.TraceID)
	b = appendOptString(b, `,"span_id":`, rec.SpanID)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, rec.Reason)

	q := &rec.Request
	b = append(b, `,"request":{"method":`...)
	b = appendJSONString(b, q.Method)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, q.URL)
	b = appendOptString(b, `,"host":`, q.Host)
	b = appendOptString(b, `,"proto":`, q.Proto)
	b = appendOptString(b, `,"route":`, q.Route)
	b = appendOptHeader(b, `,"header":`, q.Header)
	b = appendOptHeader(b, `,"trailer":`, q.Trailer)
	b = append(b, `,"body":`...)
	b = appendBodyJSON(b, &q.Body)

	p := &rec.Response
	b = append(b, `},"response":{"status":`...)
	b = strconv.AppendInt(b, int64(p.Status), 10)
	b = appendOptHeader(b, `,"header":`, p.Header)
	b = appendOptHeader(b, `,"trailer":`, p.Trailer)
	b = append(b, `,"body":`...)
	b = appendBodyJSON(b, &p.Body)
	b = append(b, '}')

	if g := rec.GRPC; g != nil {
		b = append(b, `,"grpc":{"code":`...)
		b = appendJSONString(b, g.Code)
		b = appendOptString(b, `,"message":`, g.Message)
		if g.RequestMessages != 0 {
			b = append(b, `,"request_messages":`...)
			b = strconv.AppendInt(b, g.RequestMessages, 10)
		}
		if g.ResponseMessages != 0 {
			b = append(b, `,"response_messages":`...)
			b = strconv.AppendInt(b, g.ResponseMessages, 10)
		}
		b = append(b, '}')
	}
	b = appendOptString(b, `,"error":`, rec.Error)
	b = appendOptString(b, `,"panic":`, rec.Panic)
	if len(rec.Flags) > 0 {
		// Flag values are any Go value: encoding/json, as before.
		fv, err := marshalNoEscape(rec.Flags)
		if err != nil {
			return b, err
		}
		b = append(b, `,"flags":`...)
		b = append(b, fv...)
	}
	b = appendOptString(b, `,"env_id":`, rec.EnvID)
	return append(b, '}'), nil
}

func appendBodyJSON(b []byte, body *Body) []byte {
	b = append(b, '{')
	if body.ContentType != "" {
		b = append(b, `"content_type":`...)
		b = appendJSONString(b, body.ContentType)
		b = append(b, ',')
	}
	b = append(b, `"size":`...)
	b = strconv.AppendInt(b, body.Size, 10)
	if body.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	if body.Omitted {
		b = append(b, `,"omitted":true`...)
	}
	if len(body.JSON) > 0 {
		b = append(b, `,"json":`...)
		b = append(b, body.JSON...)
	}
	b = appendOptString(b, `,"text":`, body.Text)
	b = appendOptString(b, `,"base64":`, body.Base64)
	return append(b, '}')
}

func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, key...)
	return appendJSONString(b, s)
}

// appendOptHeader appends h with its keys sorted, as encoding/json does;
// omitempty omits a nil or empty map.
func appendOptHeader(b []byte, key string, h http.Header) []byte {
	if len(h) == 0 {
		return b
	}
	b = append(b, key...)
	var stack [32]string
	keys := stack[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		vs := h[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	// encoding/json calls Time.MarshalJSON, which refuses years outside
	// [0, 9999]; so does this.
	if y := t.Year(); y < 0 || y >= 10000 {
		_, err := t.MarshalJSON()
		return b, err
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

const hexDigits = "0123456789abcdef"

// plainJSON marks the bytes that appendJSONString copies as they are:
// printable ASCII but quote and backslash.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// shortEscape is the letter after the backslash of the ASCII bytes that
// encoding/json escapes in two bytes; 0 for the others, written \u00XX.
var shortEscape = [utf8.RuneSelf]byte{'"': '"', '\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't'}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it without HTML escaping: quote, backslash and control
// characters, invalid UTF-8 as U+FFFD, and U+2028 and U+2029.
//
// Bodies of JSON are the bulk of a record, and their quotes make runs of
// plain bytes short, so bytes are copied one by one into room reserved
// ahead rather than in chunks, which cost a memmove call each.
func appendJSONString(b []byte, s string) []byte {
	n := len(b)
	b = reserve(b, len(s)+len(s)/8+2)
	b[n] = '"'
	n++
	for i := 0; i < len(s); {
		c := s[i]
		if plainJSON[c] {
			b[n] = c
			n++
			i++
			continue
		}
		// At most six bytes out for what is left of s, more than one in:
		// keep room for the rest at one byte each, and six for this.
		if len(b)-n < len(s)-i+8 {
			b = reserve(b[:n], len(s)-i+len(s)/8+8)
		}
		if c < utf8.RuneSelf {
			if e := shortEscape[c]; e != 0 {
				b[n], b[n+1] = '\\', e
				n += 2
			} else {
				n += copy(b[n:], []byte{'\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf]})
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += copy(b[n:], `\ufffd`)
		case r == '\u2028' || r == '\u2029':
			n += copy(b[n:], []byte{'\\', 'u', '2', '0', '2', hexDigits[r&0xf]})
		default:
			n += copy(b[n:], s[i:i+size])
		}
		i += size
	}
	if len(b) == n {
		b = reserve(b, 1)
	}
	b[n] = '"'
	return b[:n+1]
}

// reserve returns b extended to its capacity, with at least more bytes
// of it after len(b).
func reserve(b []byte, more int) []byte {
	if cap(b)-len(b) < more {
		b = slices.Grow(b, more)
	}
	return b[:cap(b)]
}

// marshalNoEscape is json.Marshal without HTML escaping.
func marshalNoEscape(v any) ([]byte, error) {
	out, err := appendJSONLine(nil, v)
	if err != nil {
		return nil, err
	}
	return out[:len(out)-1], nil // the Encoder's newline
}
