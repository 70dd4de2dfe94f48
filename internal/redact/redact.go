package redact

import "strings"

// SensitiveName reports whether a header, query parameter or field named
// name holds a secret by the default rules: see [Engine.Name].
func SensitiveName(name string) bool {
	return defaultEngine.Name(name) == Sensitive
}

// SecretValue reports whether v looks like a credential whatever it is
// called: an Authorization-style "Bearer …" or "Basic …" value, or
// anything the default value patterns find in it ([Engine.Find]): a JSON
// Web Token, a PEM private key block, a provider key, a card number, URL
// userinfo, a webhook URL.
func SecretValue(v string) bool {
	t := strings.TrimSpace(v)
	if len(t) > 7 && (strings.EqualFold(t[:7], "bearer ") || strings.EqualFold(t[:6], "basic ")) {
		return true
	}
	var buf [4]Span
	return len(defaultEngine.Find(buf[:0], v)) > 0
}

// HeaderValues returns the values of header name as they may be stored:
// all replaced by [Placeholder] when the name is sensitive, otherwise each
// value that looks like a secret replaced. It returns a new slice and
// never modifies values.
func HeaderValues(name string, values []string) []string {
	out := make([]string, len(values))
	sensitive := SensitiveName(name)
	for i, v := range values {
		if sensitive || SecretValue(v) {
			out[i] = Placeholder
		} else {
			out[i] = v
		}
	}
	return out
}
