package bench_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// replayBody is what GET /orders/{id} answers in the replay benchmarks:
// a small JSON order, as bench/replayserver answers it too.
const replayBody = `{"id":42,"status":"paid","total":{"amount":1999,"currency":"EUR"},"items":[{"sku":"BK-1","qty":1},{"sku":"PEN-7","qty":3}],"customer":{"id":"cus_0042","email":"[REDACTED]"}}`

// replayApp serves GET /orders/{id} with replayBody.
func replayApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, replayBody)
	})
	return mux
}

// replayRecord is a captured GET /orders/42 answered with replayBody, as
// the middleware writes it: a redacted Authorization header the replay
// leaves out with a warning, the route, a correlation ID.
func replayRecord() *capture.Record {
	return &capture.Record{
		Schema: capture.Schema, Kind: capture.KindHTTP, ID: "1f0c6a2b9d8e47f3a5b6c7d8e9f01234",
		Start: time.Date(2025, 6, 2, 14, 3, 11, 0, time.UTC), Duration: 3 * time.Millisecond,
		CorrelationID: "req-1f0c6a2b9d8e", Reason: capture.ReasonRate,
		Request: capture.Request{
			Method: "GET", URL: "/orders/42", Host: "orders.internal", Proto: "HTTP/1.1", Route: "GET /orders/{id}",
			Header: http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer [REDACTED]"}, "User-Agent": {"checkout/2.3"}},
		},
		Response: capture.Response{
			Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   capture.Body{ContentType: "application/json", Size: int64(len(replayBody)), JSON: json.RawMessage(replayBody)},
		},
	}
}

// replayConcurrency is the number of requests in flight in
// BenchmarkReplay, as `debugctl replay --concurrency 8`.
const replayConcurrency = 8

// replayBatch is the number of records one iteration of BenchmarkReplay
// replays.
const replayBatch = 64

// newReplayTarget returns a URLTarget for srv whose client keeps a
// connection for each worker, as debugctl's does, and a function that
// closes them.
func newReplayTarget(tb testing.TB, srv *httptest.Server) (http.RoundTripper, func()) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = replayConcurrency
	tr.MaxIdleConnsPerHost = replayConcurrency
	client := &http.Client{Transport: tr, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	target, err := capture.URLTarget(srv.URL, client)
	if err != nil {
		tb.Fatal(err)
	}
	return target, tr.CloseIdleConnections
}

// replayAll replays rec n times with replayConcurrency workers and
// returns the first error, and how many replays matched the record.
func replayAll(ctx context.Context, target http.RoundTripper, rec *capture.Record, n int) (int, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex // protects equal and firstErr
		equal    int
		firstErr error
	)
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	for range replayConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				res, err := capture.Replay(ctx, rec, target)
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = err
				case err == nil && res.Diff.Equal():
					equal++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return equal, firstErr
}

// BenchmarkReplay replays records of one route against a local server,
// replayConcurrency at a time, with capture.Replay and a URLTarget as
// debugctl replay does, and reports the records replayed a second. One
// iteration replays replayBatch records. The server runs in the same
// process, so its work is in the figures too.
func BenchmarkReplay(b *testing.B) {
	srv := httptest.NewServer(replayApp())
	defer srv.Close()
	target, closeIdle := newReplayTarget(b, srv)
	defer closeIdle()
	rec := replayRecord()
	ctx := context.Background()
	b.ReportAllocs()
	records := 0
	for b.Loop() {
		if _, err := replayAll(ctx, target, rec, replayBatch); err != nil {
			b.Fatal(err)
		}
		records += replayBatch
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(records), "ns/record")
}

// TestReplayBenchmarkReplays checks that the work BenchmarkReplay times
// is a real replay that matches: the record reproduces, over the network.
func TestReplayBenchmarkReplays(t *testing.T) {
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.Header.Get("X-Request-Id"), r.URL.Path)
		replayApp().ServeHTTP(w, r)
	}))
	defer srv.Close()
	target, closeIdle := newReplayTarget(t, srv)
	defer closeIdle()
	equal, err := replayAll(t.Context(), target, replayRecord(), replayBatch)
	if err != nil {
		t.Fatal(err)
	}
	if equal != replayBatch {
		t.Fatalf("%d of %d replays matched the record", equal, replayBatch)
	}
	n := 0
	hits.Range(func(id, path any) bool {
		n++
		if path != "/orders/42" {
			t.Errorf("request %v for %v", id, path)
		}
		return true
	})
	if n != replayBatch {
		t.Fatalf("the server saw %d distinct requests, want %d", n, replayBatch)
	}
}
