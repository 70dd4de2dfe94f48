package otlphttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/reprokit/reprokit/internal/otlptest"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestExportAfterShutdown(t *testing.T) {
	ctx := testCtx(t)
	rcv := otlptest.NewReceiver(t)
	te, _ := NewTraceExporter(Config{Endpoint: rcv.TracesURL()})
	me, _ := NewMetricExporter(Config{Endpoint: rcv.MetricsURL()})
	le, _ := NewLogExporter(Config{Endpoint: rcv.LogsURL()})
	for _, s := range []interface{ Shutdown(context.Context) error }{te, me, le} {
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown = %v", err)
		}
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("second Shutdown = %v, want nil", err)
		}
	}
	errs := map[string]error{
		"traces":  te.ExportSpans(ctx, oneSpan()),
		"metrics": me.Export(ctx, &metricdata.ResourceMetrics{}),
		"logs":    le.Export(ctx, make([]sdklog.Record, 1)),
	}
	for name, err := range errs {
		if !errors.Is(err, ErrShutdown) {
			t.Errorf("%s Export after Shutdown = %v, want ErrShutdown", name, err)
		}
	}
	if n := rcv.RequestCount(); n != 0 {
		t.Errorf("requests = %d, want 0", n)
	}
	if st := te.Stats(); st.Failures != 1 {
		t.Errorf("Stats = %+v, want the refusal counted", st)
	}
}

// blockingServer answers 200 once release is closed, or when the client
// gives up.
func blockingServer(t *testing.T) (url string, arrived <-chan struct{}, release func()) {
	t.Helper()
	ch := make(chan struct{}, 16)
	rel := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch <- struct{}{}
		select {
		case <-rel:
		case <-r.Context().Done():
		}
	}))
	releaseFn := func() { once.Do(func() { close(rel) }) }
	t.Cleanup(srv.Close)
	t.Cleanup(releaseFn)
	return srv.URL + "/v1/traces", ch, releaseFn
}

func TestShutdownWaitsForExportInFlight(t *testing.T) {
	url, arrived, release := blockingServer(t)
	exp, err := NewTraceExporter(Config{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- exp.ExportSpans(testCtx(t), oneSpan()) }()
	<-arrived

	shut := make(chan error, 1)
	go func() { shut <- exp.Shutdown(testCtx(t)) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while an export was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Errorf("export in flight = %v, want success", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
}

func TestShutdownAbortsExportWhenItsContextEnds(t *testing.T) {
	url, arrived, _ := blockingServer(t)
	exp, err := NewTraceExporter(Config{Endpoint: url, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- exp.ExportSpans(testCtx(t), oneSpan()) }()
	<-arrived

	ctx, cancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := exp.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v with a 100ms context", d)
	}
	if err := <-done; !errors.Is(err, ErrShutdown) {
		t.Errorf("aborted export = %v, want ErrShutdown", err)
	}
}

func TestConcurrentExports(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	rcv.RespondNext(5, otlptest.Response{Status: 503})
	exp, err := NewTraceExporter(Config{Endpoint: rcv.TracesURL(), Compression: CompressionGzip})
	if err != nil {
		t.Fatal(err)
	}
	fast(exp.c)
	ctx := testCtx(t)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if err := exp.ExportSpans(ctx, oneSpan()); err != nil {
					t.Errorf("ExportSpans = %v", err)
				}
				_ = exp.Stats()
			}
		})
	}
	wg.Wait()
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(rcv.SpanNames()); n != workers*each {
		t.Errorf("spans received = %d, want %d", n, workers*each)
	}
	if st := exp.Stats(); st.Exports != workers*each || st.Retries != 5 {
		t.Errorf("Stats = %+v, want %d exports and 5 retries", st, workers*each)
	}
}

func TestShutdownRacesExports(t *testing.T) {
	rcv := otlptest.NewReceiver(t)
	exp, err := NewTraceExporter(Config{Endpoint: rcv.TracesURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				err := exp.ExportSpans(ctx, oneSpan())
				if err != nil && !errors.Is(err, ErrShutdown) {
					t.Errorf("ExportSpans = %v", err)
				}
			}
		})
	}
	wg.Go(func() { _ = exp.Shutdown(ctx) })
	wg.Go(func() { _ = exp.Shutdown(ctx) })
	wg.Wait()
	st := exp.Stats()
	if st.Exports+st.Failures != 80 {
		t.Errorf("Stats = %+v, want 80 exports and failures together", st)
	}
}
