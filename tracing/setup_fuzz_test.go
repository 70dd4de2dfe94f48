package tracing

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// pctEncode percent-encodes every byte of s but the unreserved ones of
// RFC 3986, so the result is a valid resource attribute or header value.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// FuzzParseResourceAttributes checks the OTEL_RESOURCE_ATTRIBUTES parser:
// it never panics, what it accepts has valid keys and values and survives
// a round trip through percent-encoding, and its errors name an entry by
// position without quoting the input. Its seed corpus is in
// testdata/fuzz/FuzzParseResourceAttributes.
func FuzzParseResourceAttributes(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		attrs, err := parseResourceAttributes(in)
		if err != nil {
			if !regexp.MustCompile(`^entry [0-9]+ [a-zA-Z ,]+`).MatchString(err.Error()) || len(err.Error()) > 200 {
				t.Fatalf("error %q is not of the form \"entry N …\"", err)
			}
			return
		}
		var parts []string
		for _, kv := range attrs {
			k, v := string(kv.Key), kv.Value.AsString()
			if !validOTLPHeaderName(k) {
				t.Fatalf("accepted key %q", k)
			}
			if !utf8.ValidString(v) || hasASCIIControl(v) {
				t.Fatalf("accepted value %q", v)
			}
			parts = append(parts, k+"="+pctEncode(v))
		}
		again, err := parseResourceAttributes(strings.Join(parts, ","))
		if err != nil {
			t.Fatalf("re-encoded %q: %v", parts, err)
		}
		if kvString(again) != kvString(attrs) {
			t.Fatalf("round trip: %s, then %s", kvString(attrs), kvString(again))
		}
	})
}

// FuzzParseOTLPHeaders checks the OTEL_EXPORTER_OTLP_HEADERS parser: it
// never panics, what it accepts cannot inject a header and survives a
// round trip, and a refusal never quotes the input, which may be secret.
// Its seed corpus is in testdata/fuzz/FuzzParseOTLPHeaders.
func FuzzParseOTLPHeaders(f *testing.F) {
	reasons := regexp.MustCompile(`^entry [0-9]+(` +
		` is not key=value \(its text is not shown: it may be a secret\)` +
		`|: the key has a malformed percent-encoding` +
		`|: the key is not a valid header name` +
		`|: the value has a malformed percent-encoding` +
		`|: the value holds control characters or invalid UTF-8)$`)
	f.Fuzz(func(t *testing.T, in string) {
		h, reason := parseHeaders(in)
		if h == nil {
			if !reasons.MatchString(reason) {
				t.Fatalf("reason %q is not one of the fixed texts", reason)
			}
			return
		}
		var parts []string
		for k, v := range h {
			if !validOTLPHeaderName(k) || !validOTLPHeaderValue(v) {
				t.Fatalf("accepted header %q: %q", k, v)
			}
			parts = append(parts, pctEncode(k)+"="+pctEncode(v))
		}
		again, reason := parseHeaders(strings.Join(parts, ","))
		if again == nil || len(again) != len(h) {
			t.Fatalf("re-encoded %q: %v %s", parts, again, reason)
		}
		for k, v := range h {
			if again[k] != v {
				t.Fatalf("round trip of %q: %q, then %q", k, v, again[k])
			}
		}
	})
}

// FuzzSetupEnv reads one variable, chosen by index from setupVars, with an
// arbitrary value, as Setup does: it never panics, and an error is one
// EnvError for that variable, a short printable line that shows no header
// value. Its seed corpus is in testdata/fuzz/FuzzSetupEnv.
func FuzzSetupEnv(f *testing.F) {
	f.Fuzz(func(t *testing.T, index uint8, value string) {
		name := setupVars[int(index)%len(setupVars)]
		_, err := plan(map[string]string{name: value})
		checkEnvErr(t, name, value, err)
		if err != nil && strings.HasSuffix(name, "_HEADERS") && len(value) >= 8 && strings.Contains(err.Error(), value) {
			t.Fatalf("error shows the header value: %v", err)
		}
	})
}
