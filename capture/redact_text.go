package capture

import (
	"unicode/utf8"

	"github.com/reprokit/reprokit/internal/redact"
)

// The text redactor masks, in free text, what the value patterns find
// (after percent-decoding too) and the values of sensitive name=value,
// name: value, name => value and <name>value</name> pairs; a
// "Name: value" line (an HTTP header, YAML) is masked to its end, a quoted
// value to its closing quote, a JSON-like object or array to its closing
// bracket. It is also the fallback of the JSON, form and multipart
// redactors.

// text is the text redactor of bodies.
func (r *Redactor) text(body []byte, truncated bool) []byte {
	spans := r.engine.FindTextBytes(nil, body)
	if truncated {
		spans = append(spans, redact.Span{Start: redact.TailStart(body), End: len(body)})
	}
	spans = redact.Merge(spans)
	r.values.Add(uint64(len(spans)))
	return redact.AppendMasked(make([]byte, 0, len(body)+16), body, spans, r.mask)
}

// textual reports whether b is text: UTF-8 (a truncated body may end in
// the middle of a character) without control bytes other than tab, line
// feed, form feed, carriage return and escape.
func textual(b []byte, truncated bool) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b || c == 0x7f {
			return false
		}
	}
	if utf8.Valid(b) {
		return true
	}
	if !truncated {
		return false
	}
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.Valid(b[:len(b)-k]) {
			return true
		}
	}
	return false
}
