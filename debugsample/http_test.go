package debugsample

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reprokit/reprokit/flags"
	"github.com/reprokit/reprokit/internal/respwriter"
)

func TestMiddlewareFailure(t *testing.T) {
	clock := newFakeClock()
	tests := []struct {
		name    string
		opts    []Option
		handler func(w http.ResponseWriter, r *http.Request)
		flushed bool
	}{
		{"200 discards", nil, func(w http.ResponseWriter, r *http.Request) {}, false},
		{"404 discards", nil, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, false},
		{"500 flushes", nil, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, true},
		{"503 after body flushes", nil, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			io.WriteString(w, "down")
		}, true},
		{"custom predicate", []Option{WithFailure(func(_ *http.Request, s int) bool { return s == 404 })},
			func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, true},
		{"custom predicate, 500 no longer", []Option{WithFailure(func(_ *http.Request, s int) bool { return s == 404 })},
			func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, false},
		{"slow flushes", []Option{WithLatencyThreshold(time.Second)},
			func(w http.ResponseWriter, r *http.Request) { clock.Advance(2 * time.Second) }, true},
		{"fast enough", []Option{WithLatencyThreshold(time.Second)},
			func(w http.ResponseWriter, r *http.Request) { clock.Advance(time.Second) }, false},
		{"explicit flush", nil, func(w http.ResponseWriter, r *http.Request) {
			slog.New(NewLogHandler(slog.DiscardHandler)).DebugContext(r.Context(), "x")
			Flush(r.Context())
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out capture
			logger := slog.New(NewLogHandler(out.handler()))
			opts := append([]Option{WithPolicy(Policy{BufferedRate: 1}), WithClock(clock.Now)}, tt.opts...)
			h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logger.DebugContext(r.Context(), "detail")
				tt.handler(w, r)
			}), opts...)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			if got := strings.Contains(out.String(), "detail"); got != tt.flushed {
				t.Errorf("flushed = %v, want %v: %s", got, tt.flushed, out.String())
			}
		})
	}
}

func TestMiddlewarePanicFlushes(t *testing.T) {
	var out capture
	logger := slog.New(NewLogHandler(out.handler()))
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.DebugContext(r.Context(), "before the panic")
		panic("boom")
	}), WithPolicy(Policy{BufferedRate: 1}))
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the handler's panic", p)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	if !strings.Contains(out.String(), "before the panic") {
		t.Errorf("panic did not flush: %q", out.String())
	}
}

// TestMiddlewarePassesWriter: off and live requests get the writer as it
// is; buffered ones reuse an outer respwriter, and keep Flusher.
func TestMiddlewarePassesWriter(t *testing.T) {
	for _, m := range []struct {
		pol  Policy
		same bool
	}{{Policy{}, true}, {Policy{LiveRate: 1}, true}, {Policy{BufferedRate: 1}, false}} {
		rec := httptest.NewRecorder()
		var got http.ResponseWriter
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = w }), WithPolicy(m.pol))
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if (got == http.ResponseWriter(rec)) != m.same {
			t.Errorf("policy %+v: handler got %T", m.pol, got)
		}
		if _, ok := got.(http.Flusher); !ok {
			t.Errorf("policy %+v: Flusher lost", m.pol)
		}
		outer := respwriter.Wrap(httptest.NewRecorder(), nil)
		h.ServeHTTP(outer, httptest.NewRequest("GET", "/", nil))
		if got != outer {
			t.Errorf("policy %+v: an outer respwriter was wrapped again", m.pol)
		}
	}
}

// TestHandlerGoroutineLogsAfterResponse: a goroutine the handler started
// logs after the response was sent. Its debug lines are written for a live
// or failed request and dropped for a successful buffered one; nothing is
// kept in a buffer nobody flushes.
func TestHandlerGoroutineLogsAfterResponse(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pol     Policy
		status  int
		written bool
	}{
		{"buffered ok", Policy{BufferedRate: 1}, 200, false},
		{"buffered failed", Policy{BufferedRate: 1}, 500, true},
		{"live", Policy{LiveRate: 1}, 200, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out capture
			logger := slog.New(NewLogHandler(out.handler()))
			s := NewSampler(WithPolicy(tt.pol))
			release := make(chan struct{})
			var wg sync.WaitGroup
			h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx := r.Context()
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-release
					logger.DebugContext(ctx, "after the response")
				}()
				w.WriteHeader(tt.status)
			}), WithPolicy(tt.pol), WithStats(s.Stats()))
			srv := httptest.NewServer(h)
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			srv.Close() // the request is over
			close(release)
			wg.Wait()
			if got := strings.Contains(out.String(), "after the response"); got != tt.written {
				t.Errorf("written = %v, want %v", got, tt.written)
			}
		})
	}
}

// TestHijackedNotFailure: a hijacked connection has no status; it is not
// a failure by default.
func TestHijackedNotFailure(t *testing.T) {
	var out capture
	logger := slog.New(NewLogHandler(out.handler()))
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.DebugContext(r.Context(), "hijacking")
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		buf.Flush()
		conn.Close()
	}), WithPolicy(Policy{BufferedRate: 1}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close()
	if strings.Contains(out.String(), "hijacking") {
		t.Error("a hijacked connection counted as a failure")
	}
}

// TestFlagEvaluation: with WithFlagEvaluation the handler (and the flags
// the decision reads) see the request described; without it, nothing is
// added.
func TestFlagEvaluation(t *testing.T) {
	set := flags.NewSet(flags.WithKeys(FlagKeys()...))
	describe := func(r *http.Request) flags.Evaluation {
		return flags.Evaluation{Method: r.Method, Attributes: map[string]string{"tenant": r.Header.Get("X-Tenant")}}
	}
	for _, tt := range []struct {
		name string
		opts []Option
		want string
	}{
		{"off by default", []Option{WithFlags(set)}, ""},
		{"given", []Option{WithFlags(set), WithFlagEvaluation(describe)}, "acme"},
		{"without flags", []Option{WithFlagEvaluation(describe)}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				e, _ := flags.EvaluationFromContext(r.Context())
				got = e.Attributes["tenant"]
			}), tt.opts...)
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("X-Tenant", "acme")
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("tenant %q, want %q", got, tt.want)
			}
		})
	}
}
