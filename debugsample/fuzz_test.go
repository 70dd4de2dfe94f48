package debugsample

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/internal/reqmatch"
)

// FuzzParseToken feeds the token parser and verifier arbitrary header
// values: they must never panic, never accept what was not signed with the
// key, and accept only the one canonical spelling of a token.
func FuzzParseToken(f *testing.F) {
	clock := newFakeClock()
	valid, _ := NewToken(testKey, time.Minute, "*", WithClock(clock.Now))
	scoped, _ := NewToken(testKey, time.Minute, "POST /orders/{id}", WithClock(clock.Now))
	f.Add(valid)
	f.Add(scoped)
	f.Add(valid[:len(valid)-1])
	f.Add("v1.")
	f.Add("")
	f.Add(strings.Repeat("A", MaxTokenLen+1))
	f.Add("v1." + strings.Repeat("A", 400) + "." + strings.Repeat("A", 43))
	f.Add("v1.\x00\xff." + strings.Repeat("_", 43))
	keys := [][]byte{testKey}
	now := clock.Now()
	f.Fuzz(func(t *testing.T, s string) {
		var buf [maxPayload + tokenMACLen]byte
		payload, mac, why := parseToken(s, &buf)
		if why != 0 {
			if payload != nil || mac != nil {
				t.Fatal("refused token returned parts")
			}
			return
		}
		// What parsed re-encodes to the same text: one spelling per token.
		if again := tokenPrefix + tokenEncoding.EncodeToString(payload) + "." + tokenEncoding.EncodeToString(mac); again != s {
			t.Fatalf("%q parsed, re-encodes as %q", s, again)
		}
		r := httptest.NewRequest(http.MethodPost, "/orders/1", nil)
		if verifyToken([]string{s}, keys, now, DefaultMaxTokenTTL, r) == 0 {
			// Accepted: the MAC must be the key's over this payload.
			var sum [tokenMACLen]byte
			if got := tokenMAC(testKey, payload, sum[:0]); base64.RawURLEncoding.EncodeToString(got) != base64.RawURLEncoding.EncodeToString(mac) {
				t.Fatalf("accepted %q without a valid MAC", s)
			}
		}
	})
}

// FuzzPatternMatch checks the rule matcher against http.ServeMux: for a
// pattern ServeMux accepts and a request with a clean path, both agree on
// whether the pattern matches.
func FuzzPatternMatch(f *testing.F) {
	seeds := [][3]string{
		{"/", "GET", "/x"},
		{"/a/", "GET", "/a"},
		{"/a/{x}", "GET", "/a/b"},
		{"/a/{x}/", "GET", "/a/b/"},
		{"/a/{x...}", "GET", "/a/"},
		{"/{$}", "GET", "/"},
		{"/a/{$}", "GET", "/a/"},
		{"GET /a", "HEAD", "/a"},
		{"POST /a", "GET", "/a"},
		{"h.example/a", "GET", "/a"},
		{"/a%2Fb/c", "GET", "/a%2Fb/c"},
		{"/a b", "GET", "/a%20b"},
		{"/%zz", "GET", "/%zz"},
		{"/a/{x}/c", "GET", "/a//c"},
		{"/a%25b", "GET", "/a%25b"},
		{"/%61dmin/", "GET", "/admin/x"},
		{"/admin/", "GET", "/%61dmin/x"},
		{"/a%2Fb/", "GET", "/a%2Fb/x"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], "h.example")
	}
	f.Fuzz(func(t *testing.T, pat, method, path, host string) {
		p, err := reqmatch.Parse(pat)
		if err != nil {
			return
		}
		if method == "CONNECT" {
			return // ServeMux does not clean these
		}
		r, err := http.NewRequest(method, "http://"+host+path, nil)
		if err != nil || r.Host != host || r.URL.Opaque != "" {
			return
		}
		if ep := r.URL.EscapedPath(); ep == "" || reqmatch.CleanPath(ep) != ep {
			return // ServeMux redirects these
		}
		mux := http.NewServeMux()
		target := http.NotFoundHandler()
		marker := &struct{ http.Handler }{target}
		mux.Handle(pat, marker)
		h, _ := mux.Handler(r)
		muxMatch := h == http.Handler(marker)
		ours := p.Match(r.Method, reqmatch.StripHostPort(r.Host), reqmatch.RequestPath(r))
		if muxMatch != ours {
			t.Errorf("pattern %q, %s %s (host %q): ServeMux %v, ours %v", pat, method, path, host, muxMatch, ours)
		}
	})
}
