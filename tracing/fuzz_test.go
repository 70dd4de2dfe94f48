package tracing

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzServerRequest sends arbitrary trace context, baggage, method, path,
// host and forwarding headers through the middleware: it must never panic,
// the handler must run, and every string attribute on the span must be
// valid UTF-8 of bounded length (OTLP rejects a whole batch otherwise).
// Seeds in testdata/fuzz/FuzzServerRequest.
func FuzzServerRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, traceparent, baggage, method, path, host, xff string) {
		tel := newTelemetry(t)
		ran := false
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran = true }),
			tel.options(WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8")), WithRequestHeaders("Baggage"))...)
		req := httptest.NewRequest("GET", "/", nil)
		req.Method = method
		req.URL.Path = path
		req.Host = host
		req.RemoteAddr = "10.0.0.1:80"
		req.Header["Traceparent"] = []string{traceparent}
		req.Header["Baggage"] = []string{baggage}
		req.Header["X-Forwarded-For"] = []string{xff}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if !ran {
			t.Fatal("handler did not run")
		}
		for _, kv := range tel.ended()[0].Attributes() {
			for _, s := range append(kv.Value.AsStringSlice(), kv.Value.AsString()) {
				if !utf8.ValidString(s) || len(s) > maxPathLen+len("\uFFFD")*maxPathLen {
					t.Errorf("%s holds an unsafe value %q", kv.Key, s)
				}
			}
		}
	})
}

// FuzzRouteOf checks the pattern parser on arbitrary input: no panic, and
// the route of a pattern with a path is that path.
// Seeds in testdata/fuzz/FuzzRouteOf.
func FuzzRouteOf(f *testing.F) {
	f.Fuzz(func(t *testing.T, pattern string) {
		r := routeOf(pattern)
		if len(r) > len(pattern) {
			t.Errorf("routeOf(%q) = %q grew", pattern, r)
		}
		if strings.HasPrefix(pattern, "GET /") && !strings.HasPrefix(r, "/") {
			t.Errorf("routeOf(%q) = %q, want the path", pattern, r)
		}
	})
}

func TestClean(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ok", "ok"},
		{"a\xffb", "a\uFFFDb"},
		{strings.Repeat("é", 10), strings.Repeat("é", 10)},
	} {
		if got := clean(tt.in, 100); got != tt.want {
			t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A cut in the middle of a rune drops the half rune.
	if got := clean("aé", 2); got != "a" {
		t.Errorf("clean cut = %q, want %q", got, "a")
	}
}

func TestRouteOf(t *testing.T) {
	for in, want := range map[string]string{
		"GET /orders/{id}":   "/orders/{id}",
		"/static/":           "/static/",
		"POST example.com/x": "/x",
		"example.com/":       "/",
		"GET  /two-spaces":   "/two-spaces",
		"":                   "",
	} {
		if got := routeOf(in); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolveSettings(t *testing.T) {
	s := Resolve()
	if s.TracerProvider == nil || s.MeterProvider == nil || s.Propagator == nil || s.TrustedProxies != nil || !s.TrustsPeer(netip.Addr{}) {
		t.Errorf("defaults: %+v", s)
	}
	s = Resolve(WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8")))
	if !s.TrustsPeer(netip.MustParseAddr("10.1.1.1")) || s.TrustsPeer(netip.MustParseAddr("192.0.2.1")) || s.TrustsPeer(netip.Addr{}) {
		t.Errorf("trusted proxies: %+v", s)
	}
	if !s.TrustsPeer(netip.MustParseAddr("::ffff:10.1.1.1")) {
		t.Error("IPv4-mapped proxy address not trusted")
	}
	if Resolve(WithPublicEndpoint()).TrustsPeer(netip.MustParseAddr("10.1.1.1")) {
		t.Error("public endpoint trusts a peer")
	}
}

func TestHostAndPort(t *testing.T) {
	for _, tt := range []struct {
		in   string
		host string
		port int
	}{
		{"shop.example:8443", "shop.example", 8443},
		{"shop.example", "shop.example", -1},
		{"[::1]:80", "::1", 80},
		{"[::1]", "::1", -1},
		{"h:notaport", "h", -1},
		{"", "", -1},
	} {
		if h, p := splitHostPort(tt.in); h != tt.host || p != tt.port {
			t.Errorf("splitHostPort(%q) = %q, %d; want %q, %d", tt.in, h, p, tt.host, tt.port)
		}
	}
	for remote, want := range map[string]string{
		"192.0.2.1:80":          "192.0.2.1",
		"[::ffff:10.1.2.3]:443": "10.1.2.3",
		"[2001:db8::1]:443":     "2001:db8::1",
	} {
		ap, ok := peer(remote)
		if got := hostOf(remote, ap); !ok || got != want {
			t.Errorf("hostOf(%q) = %q, want %q", remote, got, want)
		}
	}
}
