package otlphttp

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/reprokit/reprokit/internal/otlptest"
)

func TestHeadersSent(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	exp := newTestTraceExporter(t, Config{
		Endpoint: rcv.TracesURL(),
		Headers: map[string]string{
			"api-key":          " k-123 ",
			"X-Scope-OrgID":    "tenant",
			"User-Agent":       "custom/1",
			"Content-Type":     "text/plain", // the exporter's own wins
			"Content-Encoding": "br",         // likewise
			"Host":             "evil.example",
		},
	})
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatal(err)
	}
	h := rcv.Headers()
	want := map[string]string{
		"Api-Key":       "k-123",
		"X-Scope-Orgid": "tenant",
		"User-Agent":    "custom/1",
		"Content-Type":  "application/x-protobuf",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if got := h.Get("Content-Encoding"); got != "" {
		t.Errorf("Content-Encoding = %q without compression", got)
	}
	if got := rcv.SpanNames(); len(got) != 1 {
		t.Errorf("spans = %v; the receiver could not decode the body", got)
	}
}

func TestGzipHeader(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL(), Compression: CompressionGzip})
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatal(err)
	}
	reqs := rcv.Requests()
	if len(reqs) != 1 || !reqs[0].Gzipped || reqs[0].Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("requests = %+v, want one gzipped", reqs)
	}
	if got := rcv.SpanNames(); len(got) != 1 || got[0] != "span" {
		t.Errorf("spans = %v", got)
	}
}

// countingTransport counts the requests it forwards.
type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestCustomClientUsed(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	tr := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(tr.base.(*http.Transport).CloseIdleConnections)
	exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL(), Client: &http.Client{Transport: tr}})
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatal(err)
	}
	if tr.n.Load() != 1 {
		t.Errorf("custom transport saw %d requests, want 1", tr.n.Load())
	}
}

func TestRedirects(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	var leaked atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Api-Key"))
	}))
	t.Cleanup(elsewhere.Close)
	redirector := http.NewServeMux()
	redirector.HandleFunc("/same", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v1/traces", http.StatusTemporaryRedirect)
	})
	redirector.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/v1/traces", http.StatusPermanentRedirect)
	})
	redirector.HandleFunc("/found", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v1/traces", http.StatusFound) // would turn the POST into a GET
	})
	redirector.Handle("/v1/traces", http.RedirectHandler(rcv.TracesURL(), http.StatusTemporaryRedirect))
	srv := httptest.NewServer(redirector)
	t.Cleanup(srv.Close)

	tests := []struct {
		path   string
		status int // 0: success
	}{
		{"/same", 307}, // same origin followed, then /v1/traces redirects off-origin: stop
		{"/other", 308},
		{"/found", 302},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			exp := newTestTraceExporter(t, Config{Endpoint: srv.URL + tt.path, Headers: map[string]string{"api-key": "k-123456"}})
			err := exp.ExportSpans(testCtx(t), oneSpan())
			herr, ok := err.(*HTTPError)
			if !ok || herr.StatusCode != tt.status {
				t.Errorf("ExportSpans = %v, want HTTPError %d", err, tt.status)
			}
		})
	}
	if v := leaked.Load(); v != nil {
		t.Errorf("another origin received the api-key header %q", v)
	}
	if n := rcv.RequestCount(); n != 0 {
		t.Errorf("receiver on another origin got %d requests", n)
	}
}

func TestSameOriginRedirectFollowed(t *testing.T) {
	mux := http.NewServeMux()
	var got atomic.Int32
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
	})
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Header.Get("Api-Key") == "k-123456" && r.ContentLength > 0 {
			got.Add(1)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	exp := newTestTraceExporter(t, Config{Endpoint: srv.URL + "/old", Headers: map[string]string{"api-key": "k-123456"}})
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatal(err)
	}
	if got.Load() != 1 {
		t.Errorf("redirect target got %d POSTs with body and header, want 1", got.Load())
	}
}
