package otlphttp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reprokit/reprokit/internal/otlptest"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// oneSpan is a batch of one span for tests that only look at the HTTP
// side.
func oneSpan() []sdktrace.ReadOnlySpan {
	return tracetest.SpanStubs{{Name: "span"}}.Snapshots()
}

func newTestTraceExporter(t *testing.T, cfg Config) *TraceExporter {
	t.Helper()
	exp, err := NewTraceExporter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fast(exp.c)
	shutdownOnCleanup(t, exp)
	return exp
}

func TestRetryableStatuses(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			rcv := otlptest.NewReceiver(t)
			rcv.RespondNext(2, otlptest.Response{Status: status})
			exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL()})
			if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
				t.Fatalf("ExportSpans = %v, want success on the third attempt", err)
			}
			if n := rcv.RequestCount(); n != 3 {
				t.Errorf("requests = %d, want 3", n)
			}
			if got := rcv.SpanNames(); len(got) != 1 {
				t.Errorf("spans received = %v, want one", got)
			}
			st := exp.Stats()
			if st.Retries != 2 || st.Exports != 1 || st.Failures != 0 {
				t.Errorf("Stats = %+v, want 2 retries, 1 export", st)
			}
		})
	}
}

func TestNonRetryableStatuses(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 405, 413, 500, 501, 301} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			rcv := otlptest.NewReceiver(t)
			rcv.RespondNext(1, otlptest.Response{Status: status, Body: []byte("nope")})
			exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL()})
			err := exp.ExportSpans(testCtx(t), oneSpan())
			var herr *HTTPError
			if !errors.As(err, &herr) || herr.StatusCode != status || herr.Temporary() {
				t.Fatalf("ExportSpans = %v, want a non-temporary HTTPError %d", err, status)
			}
			if !strings.Contains(err.Error(), "nope") || !strings.Contains(err.Error(), rcv.TracesURL()) {
				t.Errorf("error %q does not quote the body and endpoint", err)
			}
			if n := rcv.RequestCount(); n != 1 {
				t.Errorf("requests = %d, want 1 (no retry)", n)
			}
			if st := exp.Stats(); st.Failures != 1 || st.Retries != 0 {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	rcv.RespondNext(1, otlptest.Response{Status: 429, Header: http.Header{"Retry-After": {"1"}}})
	exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL()})
	start := time.Now()
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 950*time.Millisecond {
		t.Errorf("retried after %v, want at least the 1s Retry-After", d)
	}
	if n := rcv.RequestCount(); n != 2 {
		t.Errorf("requests = %d, want 2", n)
	}
}

func TestRetryAfterPastDeadlineGivesUpAtOnce(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	rcv.RespondNext(1, otlptest.Response{Status: 503, Header: http.Header{"Retry-After": {"300"}}})
	exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL(), Timeout: 5 * time.Second})
	start := time.Now()
	err := exp.ExportSpans(testCtx(t), oneSpan())
	var herr *HTTPError
	if !errors.As(err, &herr) || herr.StatusCode != 503 || herr.RetryAfter != 5*time.Minute {
		t.Fatalf("ExportSpans = %v, want HTTPError 503 with RetryAfter 5m", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v; a wait past the deadline should not start", d)
	}
}

func TestTimeoutBoundsRetries(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	rcv.RespondNext(100000, otlptest.Response{Status: 503})
	exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL(), Timeout: 200 * time.Millisecond})
	start := time.Now()
	err := exp.ExportSpans(testCtx(t), oneSpan())
	var herr *HTTPError
	if err == nil || !(errors.Is(err, context.DeadlineExceeded) || errors.As(err, &herr)) {
		t.Fatalf("ExportSpans = %v, want the deadline or the last 503", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with a 200ms timeout", d)
	}
	if n := rcv.RequestCount(); n < 2 {
		t.Errorf("requests = %d, want several attempts", n)
	}
}

func TestCallerDeadlineRespected(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	exp := newTestTraceExporter(t, Config{Endpoint: srv.URL + "/v1/traces", Timeout: time.Minute})

	ctx, cancel := context.WithTimeout(testCtx(t), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := exp.ExportSpans(ctx, oneSpan())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ExportSpans = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with a 150ms deadline", d)
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL()})
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if err := exp.ExportSpans(ctx, oneSpan()); !errors.Is(err, context.Canceled) {
		t.Errorf("ExportSpans = %v, want context.Canceled", err)
	}
	if n := rcv.RequestCount(); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			// Drop the connection without an answer.
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	exp := newTestTraceExporter(t, Config{Endpoint: srv.URL + "/v1/traces"})
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatalf("ExportSpans = %v, want success after dropped connections", err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("calls = %d, want 3", n)
	}
}

func TestConnectionRefusedBoundedByTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	exp := newTestTraceExporter(t, Config{Endpoint: "http://" + addr + "/v1/traces", Timeout: 100 * time.Millisecond})
	err = exp.ExportSpans(testCtx(t), oneSpan())
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("ExportSpans = %v, want an error naming %s", err, addr)
	}
	if st := exp.Stats(); st.Retries == 0 || st.Failures != 1 {
		t.Errorf("Stats = %+v, want retries and one failure", st)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		in    string
		want  time.Duration
		valid bool
	}{
		{"empty", "", 0, false},
		{"seconds", "3", 3 * time.Second, true},
		{"zero", "0", 0, true},
		{"spaces", " 2 ", 2 * time.Second, true},
		{"huge", "99999999999999999", maxRetryAfter, true},
		{"negative", "-5", 0, false},
		{"fraction", "1.5", 0, false},
		{"garbage", "soon", 0, false},
		{"date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"far date", now.Add(1000 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.valid {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.valid)
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	b := backoff{initial: 100 * time.Millisecond, max: time.Second}
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		if n == 5 {
			n = 1000 // no overflow for large n
		}
		for range 50 {
			if d := b.delay(n); d < want/2 || d > want {
				t.Fatalf("delay(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}
