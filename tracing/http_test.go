package tracing

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/correlation"
)

const (
	parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	parentSpan  = "00f067aa0ba902b7"
	traceparent = "00-" + parentTrace + "-" + parentSpan + "-01"
)

func mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "order "+r.PathValue("id"))
	})
	m.HandleFunc("POST /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusServiceUnavailable)
	})
	m.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	})
	return m
}

func TestServerSpan(t *testing.T) {
	tel := newTelemetry(t)
	h := correlation.NewHandler(NewHandler(mux(), tel.options()...))
	req := httptest.NewRequest("GET", "http://shop.example:8443/orders/42", nil)
	req.RemoteAddr = "192.0.2.10:51234"
	req.Header.Set("User-Agent", "test-agent/1")
	req.Header.Set("X-Request-ID", "corr-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	spans := tel.ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET /orders/{id}" || s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q kind %v, want \"GET /orders/{id}\" server", s.Name(), s.SpanKind())
	}
	want := map[attribute.Key]any{
		"http.request.method":       "GET",
		"url.scheme":                "http",
		"url.path":                  "/orders/42",
		"server.address":            "shop.example",
		"server.port":               int64(8443),
		"client.address":            "192.0.2.10",
		"network.peer.address":      "192.0.2.10",
		"network.peer.port":         int64(51234),
		"network.protocol.version":  "1.1",
		"user_agent.original":       "test-agent/1",
		"http.route":                "/orders/{id}",
		"http.response.status_code": int64(200),
		"correlation.id":            "corr-1",
	}
	got := attrs(s)
	for k, v := range want {
		if got[k].AsInterface() != v {
			t.Errorf("%s = %v, want %v", k, got[k].AsInterface(), v)
		}
	}
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v, want unset", s.Status())
	}
	if s.Parent().IsValid() {
		t.Error("a request without traceparent got a parent")
	}
}

func TestServerStatus(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		path      string
		wantCode  codes.Code
		wantError string
	}{
		{"5xx is an error", "POST", "/fail", codes.Error, "503"},
		{"4xx is not an error on the server", "GET", "/missing", codes.Unset, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t)
			NewHandler(mux(), tel.options()...).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, tt.path, nil))
			s := tel.ended()[0]
			if s.Status().Code != tt.wantCode || attrs(s)["error.type"].AsString() != tt.wantError {
				t.Errorf("status %v error.type %q, want %v %q", s.Status().Code, attrs(s)["error.type"].AsString(), tt.wantCode, tt.wantError)
			}
		})
	}
}

func TestRouteFunc(t *testing.T) {
	tel := newTelemetry(t)
	h := NewHandler(http.NotFoundHandler(), tel.options(WithRouteFunc(func(r *http.Request) string { return "/custom/{x}" }))...)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("DELETE", "/custom/7", nil))
	if s := tel.ended()[0]; s.Name() != "DELETE /custom/{x}" || attrs(s)["http.route"].AsString() != "/custom/{x}" {
		t.Errorf("span %q route %q", s.Name(), attrs(s)["http.route"].AsString())
	}
}

func TestUnknownMethod(t *testing.T) {
	tel := newTelemetry(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.Method = "FOO\xff"
	NewHandler(http.NotFoundHandler(), tel.options()...).ServeHTTP(httptest.NewRecorder(), req)
	s := tel.ended()[0]
	a := attrs(s)
	if s.Name() != "HTTP" || a["http.request.method"].AsString() != "_OTHER" || a["http.request.method_original"].AsString() != "FOO\uFFFD" {
		t.Errorf("span %q, method %q, original %q", s.Name(), a["http.request.method"].AsString(), a["http.request.method_original"].AsString())
	}
}

func TestParentAndTrust(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		remote     string
		wantParent bool
	}{
		{"trusted by default", nil, "203.0.113.5:1000", true},
		{"public endpoint links", []Option{WithPublicEndpoint()}, "203.0.113.5:1000", false},
		{"trusted proxy", []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, "10.2.3.4:1000", true},
		{"untrusted peer links", []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, "203.0.113.5:1000", false},
		{"unparseable peer links", []Option{WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, "pipe", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t)
			var handlerSC trace.SpanContext
			h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				handlerSC = trace.SpanContextFromContext(r.Context())
			}), tel.options(tt.opts...)...)
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("traceparent", traceparent)
			req.Header.Set("baggage", "tenant=acme")
			h.ServeHTTP(httptest.NewRecorder(), req)

			s := tel.ended()[0]
			if handlerSC.SpanID() != s.SpanContext().SpanID() {
				t.Error("the handler's context does not hold the server span")
			}
			gotParent := s.Parent().TraceID().String() == parentTrace && s.Parent().SpanID().String() == parentSpan
			if gotParent != tt.wantParent {
				t.Fatalf("parent %v, want parent %v", s.Parent(), tt.wantParent)
			}
			if !tt.wantParent {
				if s.SpanContext().TraceID().String() == parentTrace {
					t.Error("an untrusted caller's trace ID was reused")
				}
				if len(s.Links()) != 1 || s.Links()[0].SpanContext.TraceID().String() != parentTrace {
					t.Errorf("links %v, want one to the caller's span", s.Links())
				}
			}
		})
	}
}

// TestCallerCannotForceSampling checks that a public endpoint's sampling is
// its own even when the caller's traceparent says "sampled".
func TestCallerCannotForceSampling(t *testing.T) {
	neverRoot := sdktrace.ParentBased(sdktrace.NeverSample())
	for _, public := range []bool{false, true} {
		tel := newTelemetry(t, neverRoot)
		var opts []Option
		if public {
			opts = append(opts, WithPublicEndpoint())
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("traceparent", traceparent)
		NewHandler(http.NotFoundHandler(), tel.options(opts...)...).ServeHTTP(httptest.NewRecorder(), req)
		if sampled := len(tel.ended()) == 1; sampled == public {
			t.Errorf("public=%v: sampled=%v; the caller's flag must decide only for trusted callers", public, sampled)
		}
	}
}

func TestHostileTraceContext(t *testing.T) {
	tests := []struct {
		name        string
		traceparent []string
		baggage     []string
	}{
		{"malformed", []string{"garbage"}, nil},
		{"oversized", []string{"00-" + strings.Repeat("a", 100000) + "-" + parentSpan + "-01"}, nil},
		{"all-zero trace ID", []string{"00-00000000000000000000000000000000-" + parentSpan + "-01"}, nil},
		{"all-zero span ID", []string{"00-" + parentTrace + "-0000000000000000-01"}, nil},
		{"version ff", []string{"ff-" + parentTrace + "-" + parentSpan + "-01"}, nil},
		{"CRLF", []string{traceparent + "\r\nX: y"}, nil},
		{"repeated", []string{traceparent, "00-" + strings.Repeat("1", 32) + "-" + parentSpan + "-01"}, nil},
		{"100 baggage headers of 8 KiB", nil, repeatBaggage(100, 8<<10)},
		{"invalid UTF-8 baggage", nil, []string{"k=\xff\xfe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t)
			req := httptest.NewRequest("GET", "/", nil)
			req.Header["Traceparent"] = tt.traceparent
			req.Header["Baggage"] = tt.baggage
			rec := httptest.NewRecorder()
			NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "ok")
			}), tel.options()...).ServeHTTP(rec, req)
			if rec.Body.String() != "ok" || len(tel.ended()) != 1 {
				t.Fatalf("body %q, %d spans", rec.Body.String(), len(tel.ended()))
			}
			s := tel.ended()[0]
			if tt.name != "repeated" && s.Parent().IsValid() {
				t.Errorf("hostile traceparent became the parent: %v", s.Parent())
			}
			if !s.SpanContext().TraceID().IsValid() {
				t.Error("span has no valid trace ID")
			}
		})
	}
}

func repeatBaggage(n, size int) []string {
	v := make([]string, n)
	for i := range v {
		v[i] = "k" + strings.Repeat("v", size-2) + "=x"
	}
	return v
}

func TestPanicIsRecordedAndRepanics(t *testing.T) {
	tel := newTelemetry(t)
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("payment provider returned nil")
	}), tel.options()...)
	func() {
		defer func() {
			if p := recover(); p != "payment provider returned nil" {
				t.Errorf("recovered %v, want the handler's panic value", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	spans := tel.ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Status().Code != codes.Error || attrs(s)["error.type"].AsString() != "string" {
		t.Errorf("status %v, error.type %q", s.Status(), attrs(s)["error.type"].AsString())
	}
	var found bool
	for _, e := range s.Events() {
		if e.Name == "exception" {
			for _, kv := range e.Attributes {
				if kv.Key == "exception.message" && kv.Value.AsString() == "payment provider returned nil" {
					found = true
				}
			}
		}
	}
	if !found {
		t.Errorf("no exception event with the panic message: %v", s.Events())
	}
	if dp := tel.histogram(t, "http.server.request.duration"); len(dp) != 1 {
		t.Errorf("%d duration points after a panic, want 1", len(dp))
	}
}

func TestHeaderCaptureIsRedacted(t *testing.T) {
	tel := newTelemetry(t)
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=s3cr3t")
		w.Header().Set("X-Cache", "HIT")
	}), tel.options(
		WithRequestHeaders("Authorization", "cookie", "X-Tenant", "X-Forwarded-Token", "X-Note", "Absent"),
		WithResponseHeaders("Set-Cookie", "X-Cache"))...)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer abc.def.ghi")
	req.Header.Set("Cookie", "session=s3cr3t")
	req.Header.Set("X-Tenant", "acme")
	req.Header.Set("X-Forwarded-Token", "tok")
	req.Header.Set("X-Note", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLWJ5dGVz")
	h.ServeHTTP(httptest.NewRecorder(), req)

	a := attrs(tel.ended()[0])
	want := map[attribute.Key]string{
		"http.request.header.authorization":     "[REDACTED]",
		"http.request.header.cookie":            "[REDACTED]",
		"http.request.header.x-tenant":          "acme",
		"http.request.header.x-forwarded-token": "[REDACTED]",
		"http.request.header.x-note":            "[REDACTED]",
		"http.response.header.set-cookie":       "[REDACTED]",
		"http.response.header.x-cache":          "HIT",
	}
	for k, v := range want {
		if got := a[k].AsStringSlice(); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want [%s]", k, got, v)
		}
	}
	if _, ok := a["http.request.header.absent"]; ok {
		t.Error("absent header recorded")
	}
	for k, v := range a {
		if strings.Contains(fmt.Sprint(v.AsInterface()), "s3cr3t") || strings.Contains(fmt.Sprint(v.AsInterface()), "abc.def") {
			t.Errorf("%s leaks a secret: %s", k, fmt.Sprint(v.AsInterface()))
		}
	}
}

func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	tests := []struct {
		name, remote, xff, want string
	}{
		{"trusted proxy", "10.0.0.1:1", "198.51.100.7, 10.0.0.2", "198.51.100.7"},
		{"untrusted peer ignores XFF", "203.0.113.9:1", "198.51.100.7", "203.0.113.9"},
		{"garbage XFF", "10.0.0.1:1", "not-an-ip\r\n", "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t)
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-For", tt.xff)
			NewHandler(http.NotFoundHandler(), tel.options(WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8")))...).ServeHTTP(httptest.NewRecorder(), req)
			if got := attrs(tel.ended()[0])["client.address"].AsString(); got != tt.want {
				t.Errorf("client.address = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMetricSeriesStayBounded sends random methods and paths: the duration
// metric keeps at most routes × (known methods + 1) × status codes series,
// and no raw path, user agent or peer port becomes an attribute.
func TestMetricSeriesStayBounded(t *testing.T) {
	tel := newTelemetry(t)
	h := NewHandler(mux(), tel.options()...)
	methods := []string{"GET", "POST", "BREW", "PROPFIND", "X\x00Y", "get"}
	for i := range 300 {
		req := httptest.NewRequest("GET", "/", nil)
		req.Method = methods[i%len(methods)]
		req.URL.Path = "/orders/" + strings.Repeat("x", i%17) + string(rune('a'+i%26))
		if i%5 == 0 {
			req.URL.Path = "/random/" + strings.Repeat("y", i)
		}
		req.Header.Set("User-Agent", "ua-"+strings.Repeat("z", i))
		req.RemoteAddr = "192.0.2.1:" + itoa(1024+i)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	points := tel.histogram(t, "http.server.request.duration")
	routes, statuses := map[string]bool{}, map[int64]bool{}
	for _, p := range points {
		for _, kv := range p.Attributes.ToSlice() {
			switch kv.Key {
			case "http.route":
				routes[kv.Value.AsString()] = true
			case "http.response.status_code":
				statuses[kv.Value.AsInt64()] = true
			case "http.request.method", "url.scheme", "network.protocol.version", "error.type":
			default:
				t.Errorf("unbounded metric attribute %s=%s", kv.Key, fmt.Sprint(kv.Value.AsInterface()))
			}
		}
	}
	bound := (len(routes) + 1) * (len(knownMethods) + 1) * len(statuses)
	if len(points) > bound || len(points) > 12 {
		t.Errorf("%d series, bound %d (routes %v, statuses %v)", len(points), bound, routes, statuses)
	}
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

func TestDefaultPropagatorWithoutSetup(t *testing.T) {
	// No otel.SetTextMapPropagator anywhere: the incoming traceparent must
	// still be the parent (otelhttp's no-op propagator trap).
	tel := newTelemetry(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("traceparent", traceparent)
	NewHandler(http.NotFoundHandler(), tel.options()...).ServeHTTP(httptest.NewRecorder(), req)
	if got := tel.ended()[0].Parent().TraceID().String(); got != parentTrace {
		t.Errorf("parent trace %s, want %s", got, parentTrace)
	}
}

func TestFilter(t *testing.T) {
	tel := newTelemetry(t)
	h := NewHandler(http.NotFoundHandler(), tel.options(WithFilter(func(r *http.Request) bool { return r.URL.Path != "/healthz" }))...)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/other", nil))
	if n := len(tel.ended()); n != 1 {
		t.Errorf("%d spans, want 1 (health check filtered)", n)
	}
}

// TestRealServer runs the middleware in a real server: streaming with
// Flush, the request body read whole, and a client that disconnects
// mid-request; every request still ends its span.
func TestRealServer(t *testing.T) {
	tel := newTelemetry(t)
	release := make(chan struct{})
	var once sync.Once
	m := http.NewServeMux()
	m.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b[:5])
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
		w.Write(b[5:])
	})
	m.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(release) })
		<-r.Context().Done()
	})
	srv := httptest.NewServer(NewHandler(m, tel.options()...))
	defer srv.Close()

	body := strings.Repeat("0123456789", 50000)
	resp, err := srv.Client().Post(srv.URL+"/echo", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != body {
		t.Errorf("echo returned %d bytes, want %d", len(got), len(body))
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-release
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
	if _, err := srv.Client().Do(req); err == nil {
		t.Error("the cancelled request succeeded")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(tel.ended()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(tel.ended()) != 2 {
		t.Fatalf("%d spans ended, want 2", len(tel.ended()))
	}
	srv.Client().CloseIdleConnections()
}

// TestRouteThroughInnerMiddleware puts a middleware that copies the request
// between tracing and the router: the span still gets the route.
func TestRouteThroughInnerMiddleware(t *testing.T) {
	tel := newTelemetry(t)
	h := NewHandler(correlation.NewHandler(mux()), tel.options()...)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/9", nil))
	if s := tel.ended()[0]; s.Name() != "GET /orders/{id}" || attrs(s)["http.route"].AsString() != "/orders/{id}" {
		t.Errorf("span %q route %q", s.Name(), attrs(s)["http.route"].AsString())
	}
}
