package redact

import (
	"strings"
)

// Placeholder replaces a redacted value.
const Placeholder = "[REDACTED]"

// sensitiveHeaders are header names (lower case) whose values are always
// secret.
var sensitiveHeaders = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
	"x-api-key":           true,
}

// sensitiveFragments mark a name as secret when they appear in it.
var sensitiveFragments = []string{
	"auth", "token", "secret", "session", "password", "passwd", "pwd",
	"key", "jwt", "bearer", "csrf", "xsrf", "credential", "signature",
}

// SensitiveName reports whether a header, query parameter or field named
// name holds a secret by default: one of the well-known credential headers,
// or a name that contains a fragment such as "token", "secret" or "key".
// The comparison ignores case.
func SensitiveName(name string) bool {
	lower := strings.ToLower(name)
	if sensitiveHeaders[lower] {
		return true
	}
	for _, f := range sensitiveFragments {
		if strings.Contains(lower, f) {
			return true
		}
	}
	return false
}

// SecretValue reports whether v looks like a credential whatever it is
// called: an Authorization-style "Bearer …" or "Basic …" value, a JSON Web
// Token, or a PEM private key block.
func SecretValue(v string) bool {
	t := strings.TrimSpace(v)
	if len(t) > 7 && (strings.EqualFold(t[:7], "bearer ") || strings.EqualFold(t[:6], "basic ")) {
		return true
	}
	if strings.Contains(t, "PRIVATE KEY-----") {
		return true
	}
	for _, field := range strings.FieldsFunc(t, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '=' || r == '"' }) {
		if isJWT(field) {
			return true
		}
	}
	return false
}

// isJWT reports whether s has the shape of a JWS compact token: three
// base64url segments, the first of which starts a JSON object ("eyJ").
func isJWT(s string) bool {
	if !strings.HasPrefix(s, "eyJ") {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || len(parts[0]) < 10 || len(parts[1]) < 3 {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
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
