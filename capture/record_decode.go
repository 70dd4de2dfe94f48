package capture

import (
	"net/http"
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
