package bench_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A difference is one deliberate way in which reprokit's server telemetry
// differs from otelhttp's. TestConformance fails on any other difference,
// and on a listed one that no request shows any more (unless it is
// standing), so this table and the "Tracing: differences from otelhttp"
// section of README.md stay true.
type difference struct {
	// signal is where the key is: "span" or "metric" for an attribute of
	// the server span or of the http.server.request.duration data point,
	// "instrument" for a metric otelhttp records.
	signal string
	key    string
	// otelhttp and reprokit say what each does with the key.
	otelhttp, reprokit string
	why                string
	// standing marks a policy that otelhttp v0.71.0 does not put to the
	// test: listed so that a version emitting the key is not a failure.
	standing bool
}

// lacking are what otelhttp emits that reprokit leaves out or sets
// differently.
var lacking = []difference{
	{
		signal:   "span",
		key:      "client.address",
		otelhttp: "the first address of X-Forwarded-For, from any peer",
		reprokit: "the peer's address; X-Forwarded-For only from proxies named with WithTrustedProxies (right-most untrusted hop)",
		why:      "any client can write X-Forwarded-For: trusting it unconditionally lets every caller choose the address in its traces",
	},
	{
		signal:   "span",
		key:      "http.request.body.size",
		otelhttp: "bytes the handler read from the body, when more than 0",
		reprokit: "not recorded",
		why:      "Opt-In in the HTTP semantic conventions; counting it means wrapping every request body, which reprokit hands to the handler untouched",
	},
	{
		signal:   "span",
		key:      "http.response.body.size",
		otelhttp: "bytes written, when more than 0",
		reprokit: "not recorded",
		why:      "Opt-In in the HTTP semantic conventions; kept off the span to keep it small",
	},
	{
		signal:   "span",
		key:      "url.query",
		otelhttp: "not recorded by v0.71.0",
		reprokit: "never recorded on server spans",
		why:      "query strings carry secrets (tokens, signatures, e-mail addresses); url.path is recorded",
		standing: true,
	},
	{
		signal:   "metric",
		key:      "server.address",
		otelhttp: "the Host header's host",
		reprokit: "not recorded",
		why:      "Opt-In for http.server.request.duration: the caller chooses the Host header, so it would let any caller create metric series without bound",
	},
	{
		signal:   "metric",
		key:      "server.port",
		otelhttp: "the Host header's port, when not the scheme's default",
		reprokit: "not recorded",
		why:      "Opt-In for http.server.request.duration, and caller-chosen like server.address",
	},
	{
		signal:   "metric",
		key:      "network.protocol.name",
		otelhttp: `"http"`,
		reprokit: "not recorded",
		why:      `required only when not "http", and an HTTP server's requests are always HTTP; network.protocol.version is recorded`,
	},
	{
		signal:   "instrument",
		key:      "http.server.request.body.size",
		otelhttp: "a histogram per request",
		reprokit: "not recorded",
		why:      "optional in the HTTP semantic conventions (Development status); reprokit records one histogram per request, http.server.request.duration",
	},
	{
		signal:   "instrument",
		key:      "http.server.response.body.size",
		otelhttp: "a histogram per request",
		reprokit: "not recorded",
		why:      "as http.server.request.body.size",
	},
}

// adding are what reprokit emits that otelhttp does not.
var adding = []difference{
	{
		signal:   "span",
		key:      "http.route",
		otelhttp: "only when Request.Pattern is set before its handler runs, so not with the ServeMux inside it (the span name and metric do get the route)",
		reprokit: "the ServeMux pattern's path, read after the handler returns",
		why:      "the HTTP semantic conventions make http.route Conditionally Required on the server span when available",
	},
	{
		signal:   "span",
		key:      "error.type",
		otelhttp: "not recorded",
		reprokit: `the status code ("503") for a 5xx, the panic's type for a panic`,
		why:      "Conditionally Required by the HTTP semantic conventions when the request ends in an error",
	},
	{
		signal:   "metric",
		key:      "error.type",
		otelhttp: "not recorded",
		reprokit: "as on the span",
		why:      "as on the span: lets error rates be read from the duration histogram alone",
	},
}

// conformanceMux is the application of the conformance requests: a
// ServeMux, so that Request.Pattern is set.
func conformanceMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/orders/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent) // any other method
	})
	return mux
}

// conformanceRequest returns a request from a client at 203.0.113.7 to a
// server addressed with a port, with a browser's User-Agent.
func conformanceRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = "203.0.113.7:50312"
	r.Header.Set("User-Agent", userAgent)
	return r
}

var conformanceCases = []struct {
	name string
	req  func() *http.Request
	// parent is the span ID the server span must have as its remote
	// parent; none if empty.
	parent string
}{
	{
		name: "get",
		req: func() *http.Request {
			return conformanceRequest(http.MethodGet, "http://shop.example.com:8443/orders/42?page=2&sig=c2VjcmV0", nil)
		},
	},
	{
		name: "post_503",
		req: func() *http.Request {
			r := conformanceRequest(http.MethodPost, "http://shop.example.com:8443/orders", strings.NewReader(`{"sku":"A-1042","qty":1}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		},
	},
	{
		name: "unknown_method",
		req: func() *http.Request {
			return conformanceRequest("PURGE", "http://shop.example.com:8443/orders/42", nil)
		},
	},
	{
		name: "traceparent",
		req: func() *http.Request {
			r := conformanceRequest(http.MethodGet, "http://shop.example.com:8443/orders/42", nil)
			r.Header.Set("traceparent", incomingTraceparent)
			return r
		},
		parent: "00f067aa0ba902b7",
	},
	{
		name: "forwarded",
		req: func() *http.Request {
			r := conformanceRequest(http.MethodGet, "http://shop.example.com:8443/orders/42", nil)
			r.Header.Set("X-Forwarded-For", "198.51.100.23, 10.0.0.1")
			return r
		},
	},
}

// served is what one middleware recorded for one request.
type served struct {
	span        sdktrace.ReadOnlySpan
	duration    metricdata.Metrics
	point       metricdata.HistogramDataPoint[float64]
	instruments []string
}

// serve sends the request through wrap(conformanceMux()) with its own
// span recorder and metric reader, and returns what was recorded.
func serve(t *testing.T, wrap func(http.Handler, providers) http.Handler, r *http.Request) served {
	t.Helper()
	spans := tracetest.NewSpanRecorder()
	p := newSDK(t, spans)
	wrap(conformanceMux(), p).ServeHTTP(httptest.NewRecorder(), r)

	var s served
	ended := spans.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans ended, want 1", len(ended))
	}
	s.span = ended[0]
	rm := collect(t, p.reader)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			s.instruments = append(s.instruments, m.Name)
		}
	}
	m, ok := findMetric(rm, durationName)
	if !ok {
		t.Fatalf("no %s among %v", durationName, s.instruments)
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok || len(h.DataPoints) != 1 || h.DataPoints[0].Count != 1 {
		t.Fatalf("%s = %+v, want one data point of one float64 measurement", durationName, m.Data)
	}
	s.duration, s.point = m, h.DataPoints[0]
	return s
}

// TestConformance sends the same requests through otelhttp and reprokit
// and checks that reprokit's server span and duration metric match
// otelhttp's, attribute by attribute, but for the listed differences.
func TestConformance(t *testing.T) {
	lacks := differenceIndex(lacking)
	adds := differenceIndex(adding)
	shown := make(map[string]bool) // signal+" "+key of the differences seen
	for _, tc := range conformanceCases {
		t.Run(tc.name, func(t *testing.T) {
			want := serve(t, withOtelhttp, tc.req())
			got := serve(t, withTracing, tc.req())
			ws, gs := want.span, got.span

			if gs.Name() != ws.Name() {
				t.Errorf("span name %q, otelhttp's %q", gs.Name(), ws.Name())
			}
			if gs.SpanKind() != ws.SpanKind() {
				t.Errorf("span kind %v, otelhttp's %v", gs.SpanKind(), ws.SpanKind())
			}
			if gs.Status() != ws.Status() {
				t.Errorf("span status %+v, otelhttp's %+v", gs.Status(), ws.Status())
			}
			for name, sp := range map[string]sdktrace.ReadOnlySpan{"otelhttp": ws, "reprokit": gs} {
				parent := sp.Parent()
				if tc.parent == "" {
					if parent.IsValid() {
						t.Errorf("%s: span has parent %v, want none", name, parent)
					}
					continue
				}
				if parent.SpanID().String() != tc.parent || parent.TraceID() != sp.SpanContext().TraceID() || !parent.IsRemote() {
					t.Errorf("%s: span parent %v in trace %v, want the remote %s", name, parent, sp.SpanContext().TraceID(), tc.parent)
				}
			}

			compareAttrs(t, "span", ws.Attributes(), gs.Attributes(), lacks, adds, shown)
			compareAttrs(t, "metric", want.point.Attributes.ToSlice(), got.point.Attributes.ToSlice(), lacks, adds, shown)

			if got.duration.Unit != want.duration.Unit {
				t.Errorf("%s unit %q, otelhttp's %q", durationName, got.duration.Unit, want.duration.Unit)
			}
			if !slices.Equal(got.point.Bounds, want.point.Bounds) {
				t.Errorf("%s buckets %v, otelhttp's %v", durationName, got.point.Bounds, want.point.Bounds)
			}
			for _, name := range want.instruments {
				if !slices.Contains(got.instruments, name) {
					checkListed(t, lacks, shown, "instrument", name, "otelhttp records it, reprokit does not")
				}
			}
			for _, name := range got.instruments {
				if !slices.Contains(want.instruments, name) {
					checkListed(t, adds, shown, "instrument", name, "reprokit records it, otelhttp does not")
				}
			}
		})
	}
	for _, list := range [][]difference{lacking, adding} {
		for _, d := range list {
			if !d.standing && !shown[d.signal+" "+d.key] {
				t.Errorf("listed difference %s %s shows in no request: remove it from the table and README.md", d.signal, d.key)
			}
		}
	}
}

// differenceIndex indexes a table of differences by signal and key.
func differenceIndex(list []difference) map[string]difference {
	m := make(map[string]difference, len(list))
	for _, d := range list {
		m[d.signal+" "+d.key] = d
	}
	return m
}

// compareAttrs checks that got holds every key of want with want's value,
// and no other key, but for the listed differences.
func compareAttrs(t *testing.T, signal string, want, got []attribute.KeyValue, lacks, adds map[string]difference, shown map[string]bool) {
	t.Helper()
	gotByKey := make(map[attribute.Key]attribute.Value, len(got))
	for _, kv := range got {
		gotByKey[kv.Key] = kv.Value
	}
	wantKeys := make(map[attribute.Key]bool, len(want))
	for _, kv := range want {
		wantKeys[kv.Key] = true
		g, ok := gotByKey[kv.Key]
		switch {
		case !ok:
			checkListed(t, lacks, shown, signal, string(kv.Key), "otelhttp sets "+kv.Value.String()+", reprokit nothing")
		case g != kv.Value:
			checkListed(t, lacks, shown, signal, string(kv.Key), "otelhttp sets "+kv.Value.String()+", reprokit "+g.String())
		}
	}
	for _, kv := range got {
		if !wantKeys[kv.Key] {
			checkListed(t, adds, shown, signal, string(kv.Key), "reprokit sets "+kv.Value.String()+", otelhttp nothing")
		}
	}
}

// checkListed fails t unless the difference is in list, and marks it shown.
func checkListed(t *testing.T, list map[string]difference, shown map[string]bool, signal, key, what string) {
	t.Helper()
	id := signal + " " + key
	if _, ok := list[id]; !ok {
		t.Errorf("%s %s: %s; not a listed difference", signal, key, what)
		return
	}
	shown[id] = true
	t.Logf("%s %s: %s (listed)", signal, key, what)
}
