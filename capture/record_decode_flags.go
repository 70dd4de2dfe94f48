package capture

import (
	"bytes"
	"strconv"

	"github.com/reprokit/reprokit/flags"
)

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
