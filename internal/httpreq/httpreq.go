package httpreq

import "net/http"

// PatternBack copies to outer the pattern that http.ServeMux set on inner,
// the copy of outer (made with WithContext) that a middleware passed down.
//
// ServeMux records the matched pattern on the request it is given. A
// middleware that copies the request hides it from every layer above, so
// tracing could not name its span "GET /orders/{id}" with another
// middleware between it and the router. Each reprokit middleware calls
// PatternBack after its handler returns, as ServeMux would have set the
// field on outer had there been no copy.
func PatternBack(outer, inner *http.Request) {
	if outer != inner && outer.Pattern == "" && inner.Pattern != "" {
		outer.Pattern = inner.Pattern
	}
}

// ValidToken reports whether s is a non-empty HTTP token of at most 256
// bytes (RFC 9110, 5.6.2): what a header name or a method may be.
func ValidToken(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return true
}

// tokenByte marks the bytes allowed in an HTTP token.
var tokenByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
