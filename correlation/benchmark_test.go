package correlation_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/reprokit/reprokit/correlation"
)

// benchIncomingID is a valid incoming ID of the usual length: a UUIDv7.
const benchIncomingID = "0192f0c4-7a1e-7b3c-9d2e-4f5a6b7c8d9e"

// benchWriter is the http.ResponseWriter of the middleware benchmarks: one
// writer, reused, whose header map is cleared (not replaced) before every
// request, so it keeps its buckets and costs nothing per request.
//
// httptest.NewRecorder is not used on purpose: a recorder per request
// allocates itself, a header map and a body buffer, and WriteHeader
// snapshots the header map (a Clone) — several allocations and more time
// than the middleware itself, the same in every sub-benchmark, which would
// bury the difference being measured. With this writer, bare measures only
// the handler, and every allocation above bare is the middleware's.
type benchWriter struct {
	header http.Header
	status int
	n      int
}

func newBenchWriter() *benchWriter {
	return &benchWriter{header: make(http.Header, 4)}
}

func (w *benchWriter) Header() http.Header { return w.header }

func (w *benchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *benchWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

func (w *benchWriter) reset() {
	clear(w.header)
	w.status = 0
	w.n = 0
}

var benchBody = []byte(`{"id":42,"status":"shipped"}` + "\n")

// benchApp is the handler under the middleware: it does what a small real
// handler does, set the content type and write a short body. Its own cost
// (one allocation, in Header().Set) is in bare and in every other case.
var benchApp = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(benchBody)
})

func BenchmarkMiddleware(b *testing.B) {
	mw := correlation.NewHandler(benchApp)
	cases := []struct {
		name     string
		handler  http.Handler
		incoming string // the request's X-Request-ID; none if empty
		wantEcho bool   // whether the response must echo incoming
	}{
		{name: "bare", handler: benchApp},
		{name: "valid_id", handler: mw, incoming: benchIncomingID, wantEcho: true},
		{name: "new_id", handler: mw},
		{name: "rejected_id", handler: mw, incoming: "abc\r\nSet-Cookie: x=1"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			// The request is not modified by the middleware (it works on a
			// copy), so one request serves every iteration.
			r, err := http.NewRequest(http.MethodGet, "http://example.com/v1/orders/42", nil)
			if err != nil {
				b.Fatal(err)
			}
			r.RemoteAddr = "192.0.2.10:51234"
			if tc.incoming != "" {
				r.Header.Set(correlation.DefaultHeader, tc.incoming)
			}
			w := newBenchWriter()

			// Check once that the case measures what its name says.
			tc.handler.ServeHTTP(w, r)
			got := w.header.Get(correlation.DefaultHeader)
			switch {
			case tc.name == "bare" && got != "":
				b.Fatalf("bare handler set %s = %q", correlation.DefaultHeader, got)
			case tc.name != "bare" && !correlation.ValidID(got):
				b.Fatalf("response %s = %q, want a valid ID", correlation.DefaultHeader, got)
			case tc.wantEcho && got != tc.incoming:
				b.Fatalf("response %s = %q, want the incoming %q", correlation.DefaultHeader, got, tc.incoming)
			case tc.incoming != "" && !tc.wantEcho && got == tc.incoming:
				b.Fatalf("response echoed the refused ID %q", got)
			}

			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				tc.handler.ServeHTTP(w, r)
			}
		})
	}
}

func BenchmarkLogHandler(b *testing.B) {
	ctx := correlation.NewContext(context.Background(), benchIncomingID)
	json := slog.NewJSONHandler(io.Discard, nil)
	wrapped := correlation.NewLogHandler(json)

	// A record with three attributes of its own, as an ordinary log call
	// makes. Handle takes it by value and the handlers do not keep it, so
	// one record serves every iteration.
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "charged card", 0)
	rec.AddAttrs(
		slog.String("order", "A-1042"),
		slog.Int("cents", 1999),
		slog.Bool("retry", false),
	)

	for _, tc := range []struct {
		name string
		h    slog.Handler
	}{
		{"json", json},
		{"correlation", wrapped},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tc.h.Handle(ctx, rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	// A Debug call under the default Info level: Logger asks Enabled, which
	// the correlation handler passes to the JSON handler, and stops there.
	b.Run("disabled_debug", func(b *testing.B) {
		logger := slog.New(wrapped)
		if logger.Enabled(ctx, slog.LevelDebug) {
			b.Fatal("debug is enabled; the case would not measure a disabled call")
		}
		b.ReportAllocs()
		for b.Loop() {
			logger.LogAttrs(ctx, slog.LevelDebug, "cache miss",
				slog.String("key", "orders:42"),
				slog.Int("attempt", 1),
				slog.Bool("stale", true),
			)
		}
	})
}

// benchRoundTripper is the base transport of BenchmarkTransport: it returns
// one canned response without any I/O, so only the wrapper is measured. It
// records the ID header of the last request it saw.
type benchRoundTripper struct {
	resp *http.Response
	seen string
}

func (rt *benchRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if v := req.Header["X-Request-Id"]; len(v) > 0 {
		rt.seen = v[0]
	}
	return rt.resp, nil
}

func BenchmarkTransport(b *testing.B) {
	ctx := correlation.NewContext(context.Background(), benchIncomingID)
	for _, tc := range []struct {
		name   string
		wrap   func(http.RoundTripper) http.RoundTripper
		wantID string // the ID the base must see
	}{
		{"bare", func(rt http.RoundTripper) http.RoundTripper { return rt }, ""},
		{"correlation", func(rt http.RoundTripper) http.RoundTripper { return correlation.NewTransport(rt) }, benchIncomingID},
	} {
		b.Run(tc.name, func(b *testing.B) {
			base := &benchRoundTripper{resp: &http.Response{
				StatusCode: http.StatusOK,
				Header:     http.Header{"Content-Type": {"application/json"}},
				Body:       http.NoBody,
			}}
			rt := tc.wrap(base)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://inventory.internal/v1/stock/42", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Accept", "application/json")

			// Check once that the wrapper sends the ID and bare does not.
			if _, err := rt.RoundTrip(req); err != nil {
				b.Fatal(err)
			}
			if base.seen != tc.wantID {
				b.Fatalf("base saw %s = %q, want %q", correlation.DefaultHeader, base.seen, tc.wantID)
			}
			if v := req.Header.Get(correlation.DefaultHeader); v != "" {
				b.Fatalf("transport set %s = %q on the caller's request", correlation.DefaultHeader, v)
			}

			b.ReportAllocs()
			for b.Loop() {
				if _, err := rt.RoundTrip(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
