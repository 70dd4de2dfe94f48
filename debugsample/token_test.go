package debugsample

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func mint(t *testing.T, clock *fakeClock, key []byte, ttl time.Duration, scope string, opts ...Option) string {
	t.Helper()
	tok, err := NewToken(key, ttl, scope, append([]Option{WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	return tok
}

// flip returns s with the byte at i replaced by another URL-safe base64
// character.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func TestTokens(t *testing.T) {
	clock := newFakeClock()
	star := mint(t, clock, testKey, 10*time.Minute, "*")
	orders := mint(t, clock, testKey, 10*time.Minute, "POST /orders/")
	other := mint(t, clock, testKey2, 10*time.Minute, "*")
	future := func() string {
		c := newFakeClock()
		c.Advance(time.Hour)
		return mint(t, c, testKey, 10*time.Minute, "*")
	}()
	long := mint(t, clock, testKey, time.Hour, "*", WithMaxTokenTTL(2*time.Hour))
	_, mac, _ := strings.Cut(star[len(tokenPrefix):], ".")

	tests := []struct {
		name    string
		method  string
		path    string
		values  []string
		advance time.Duration
		keys    [][]byte
		want    TokenRefusal // 0: accepted
	}{
		{name: "valid", values: []string{star}},
		{name: "valid scoped", method: "POST", path: "/orders/42", values: []string{orders}},
		{name: "wrong scope path", method: "POST", path: "/users/1", values: []string{orders}, want: TokenOutOfScope},
		{name: "wrong scope method", method: "GET", path: "/orders/42", values: []string{orders}, want: TokenOutOfScope},
		{name: "other key", values: []string{other}, want: TokenForged},
		{name: "rotated key", values: []string{other}, keys: [][]byte{testKey, testKey2}},
		{name: "no key configured", values: []string{star}, keys: [][]byte{}, want: TokenForged},
		{name: "mac bit flipped", values: []string{flip(star, len(star)-5)}, want: TokenForged},
		{name: "payload bit flipped", values: []string{flip(star, len(tokenPrefix)+3)}, want: TokenForged},
		{name: "scope swapped", method: "POST", path: "/x", values: []string{strings.Replace(orders, orders[len(tokenPrefix):strings.LastIndexByte(orders, '.')], star[len(tokenPrefix):strings.LastIndexByte(star, '.')], 1)}, want: TokenForged},
		{name: "expired", values: []string{star}, advance: 10 * time.Minute, want: TokenExpired},
		{name: "replayed after expiry", values: []string{star}, advance: 24 * time.Hour, want: TokenExpired},
		{name: "just before expiry", values: []string{star}, advance: 10*time.Minute - time.Second},
		{name: "ttl clamped to max", values: []string{long}, advance: 15 * time.Minute, want: TokenExpired},
		{name: "ttl clamped, still valid", values: []string{long}, advance: 14 * time.Minute},
		{name: "issued in the future", values: []string{future}, want: TokenNotYetValid},
		{name: "truncated by one", values: []string{star[:len(star)-1]}, want: TokenMalformed},
		{name: "truncated to payload", values: []string{star[:strings.LastIndexByte(star, '.')]}, want: TokenMalformed},
		{name: "truncated to prefix", values: []string{"v1."}, want: TokenMalformed},
		{name: "empty", values: []string{""}, want: TokenMalformed},
		{name: "wrong version", values: []string{"v2" + star[2:]}, want: TokenMalformed},
		{name: "extra section", values: []string{star + ".AAAA"}, want: TokenMalformed},
		{name: "no payload", values: []string{"v1.." + mac}, want: TokenMalformed},
		{name: "short payload", values: []string{"v1.AAAA." + mac}, want: TokenMalformed},
		{name: "not base64", values: []string{"v1.!!!!!!!!!!!!!!!!!!!!!!." + mac}, want: TokenMalformed},
		{name: "padded base64", values: []string{star + "="}, want: TokenMalformed},
		{name: "non-canonical base64", values: []string{star[:len(star)-1] + "x"}, want: TokenMalformed},
		{name: "sent twice", values: []string{star, star}, want: TokenMalformed},
		{name: "oversized", values: []string{star + strings.Repeat("A", MaxTokenLen)}, want: TokenOversized},
		{name: "huge", values: []string{strings.Repeat("v1.", 1<<20)}, want: TokenOversized},
		{name: "binary", values: []string{"v1.\x00\xff\r\n." + mac}, want: TokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeClock{t: clock.Now().Add(tt.advance)}
			keys := tt.keys
			if keys == nil {
				keys = [][]byte{testKey}
			}
			s := NewSampler(WithTokenKeys(keys...), WithClock(c.Now), WithPolicy(Policy{MaxPerSecond: 1000}))
			method, path := tt.method, tt.path
			if method == "" {
				method, path = "GET", "/"
			}
			r := httptest.NewRequest(method, path, nil)
			r.Header[DefaultTokenHeader] = tt.values
			d := s.Decide(r)
			if d.Token != tt.want {
				t.Fatalf("refusal = %v, want %v", d.Token, tt.want)
			}
			if tt.want == 0 {
				if d.Mode != Live || d.Reason != ReasonToken || s.Stats().TokensAccepted() != 1 {
					t.Errorf("decision %+v, accepted %d; want live by token, 1", d, s.Stats().TokensAccepted())
				}
				return
			}
			if d.Mode != Off || s.Stats().TokensRefused(tt.want) != 1 || s.Stats().TokensRefusedTotal() != 1 {
				t.Errorf("decision %+v, refused %d; want off, 1", d, s.Stats().TokensRefused(tt.want))
			}
		})
	}
}

func TestNewTokenErrors(t *testing.T) {
	tests := []struct {
		name  string
		key   []byte
		ttl   time.Duration
		scope string
		want  error
	}{
		{"short key", testKey[:MinKeyLen-1], time.Minute, "*", ErrShortKey},
		{"no key", nil, time.Minute, "*", ErrShortKey},
		{"zero ttl", testKey, 0, "*", ErrTokenTTL},
		{"sub-second ttl", testKey, time.Millisecond, "*", ErrTokenTTL},
		{"negative ttl", testKey, -time.Minute, "*", ErrTokenTTL},
		{"ttl above max", testKey, DefaultMaxTokenTTL + time.Second, "*", ErrTokenTTL},
		{"empty scope", testKey, time.Minute, "", ErrTokenScope},
		{"bad pattern", testKey, time.Minute, "/orders/{id", ErrTokenScope},
		{"bad method", testKey, time.Minute, "G(T /x", ErrTokenScope},
		{"control in scope", testKey, time.Minute, "/a\nb", ErrTokenScope},
		{"scope too long", testKey, time.Minute, "/" + strings.Repeat("a", MaxScopeLen), ErrTokenScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := NewToken(tt.key, tt.ttl, tt.scope)
			if !errors.Is(err, tt.want) || tok != "" {
				t.Errorf("NewToken = %q, %v; want %v", tok, err, tt.want)
			}
		})
	}
	if _, err := NewToken(testKey, DefaultMaxTokenTTL, "*"); err != nil {
		t.Errorf("ttl at the maximum refused: %v", err)
	}
	if _, err := NewToken(testKey, time.Hour, "*", WithMaxTokenTTL(time.Hour)); err != nil {
		t.Errorf("ttl at a raised maximum refused: %v", err)
	}
}

// TestTokenFormat pins the format: compact, URL-safe, versioned.
func TestTokenFormat(t *testing.T) {
	tok := mint(t, newFakeClock(), testKey, time.Minute, "*")
	if !strings.HasPrefix(tok, "v1.") || len(tok) > 80 {
		t.Errorf("token %q: want a v1. prefix and at most 80 bytes", tok)
	}
	for _, c := range tok {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			t.Fatalf("token %q has %q, not URL-safe", tok, c)
		}
	}
	// Deterministic for one key, time and scope.
	if again := mint(t, newFakeClock(), testKey, time.Minute, "*"); again != tok {
		t.Errorf("same inputs made %q then %q", tok, again)
	}
}

// TestTokenHeaderOption reads the token from another header.
func TestTokenHeaderOption(t *testing.T) {
	clock := newFakeClock()
	s := NewSampler(WithTokenKeys(testKey), WithClock(clock.Now), WithTokenHeader("x-trace-debug"))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Trace-Debug", mint(t, clock, testKey, time.Minute, "*"))
	if d := s.Decide(r); d.Mode != Live {
		t.Errorf("decision %+v, want live", d)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set(DefaultTokenHeader, mint(t, clock, testKey, time.Minute, "*"))
	if d := s.Decide(r); d.Mode != Off {
		t.Errorf("token in the default header honoured: %+v", d)
	}
}

func TestShortKeysIgnored(t *testing.T) {
	var logs capture
	clock := newFakeClock()
	s := NewSampler(WithTokenKeys([]byte("short"), testKey), WithClock(clock.Now), WithLogger(slog.New(logs.handler())))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set(DefaultTokenHeader, mint(t, clock, testKey, time.Minute, "*"))
	if d := s.Decide(r); d.Mode != Live {
		t.Errorf("the valid key stopped working: %+v", d)
	}
	if !strings.Contains(logs.String(), "shorter than the minimum") || strings.Contains(logs.String(), "short\"") {
		t.Errorf("warning: %s", logs.String())
	}
}
