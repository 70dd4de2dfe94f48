package debugsample_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/tracing"
)

// logSink collects JSON log lines from concurrent writers.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *logSink) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// chains are the two ways a user may stack the log handlers over JSON.
var chains = []struct {
	name  string
	build func(slog.Handler) slog.Handler
}{
	{"debugsample innermost", func(json slog.Handler) slog.Handler {
		return correlation.NewLogHandler(tracing.NewLogHandler(debugsample.NewLogHandler(json)))
	}},
	{"debugsample outermost", func(json slog.Handler) slog.Handler {
		return debugsample.NewLogHandler(correlation.NewLogHandler(tracing.NewLogHandler(json)))
	}},
	{"debugsample between", func(json slog.Handler) slog.Handler {
		return tracing.NewLogHandler(debugsample.NewLogHandler(correlation.NewLogHandler(json)))
	}},
}

// service is one service as a user builds it: correlation → tracing →
// debugsample → handler, a logger over JSON at level Info, and a tracer
// provider that samples nothing by itself but every live request.
type service struct {
	logs   logSink
	logger *slog.Logger
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	stats  debugsample.Stats
	srv    *httptest.Server
	client *http.Client
}

func newService(t *testing.T, chain func(slog.Handler) slog.Handler, app func(s *service) http.HandlerFunc, opts ...debugsample.Option) *service {
	t.Helper()
	s := &service{spans: tracetest.NewSpanRecorder()}
	s.logger = slog.New(chain(slog.NewJSONHandler(&s.logs, nil)))
	s.tp = sdktrace.NewTracerProvider(
		sdktrace.WithSampler(debugsample.TraceSampler(sdktrace.ParentBased(sdktrace.NeverSample()))),
		sdktrace.WithSpanProcessor(s.spans))
	topts := []tracing.Option{tracing.WithTracerProvider(s.tp), tracing.WithMeterProvider(metricnoop.NewMeterProvider())}
	s.client = &http.Client{Transport: correlation.NewTransport(tracing.NewTransport(http.DefaultTransport, topts...))}
	h := correlation.NewHandler(tracing.NewHandler(
		debugsample.NewHandler(app(s), append(opts, debugsample.WithStats(&s.stats))...), topts...))
	s.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		s.srv.Close()
		s.client.CloseIdleConnections()
		_ = s.tp.Shutdown(context.Background())
	})
	return s
}

func (s *service) get(t *testing.T, path string, header http.Header) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// checkout is the demo's handler: debug lines at its decision points, and
// a failure for one shape of data.
func checkout(s *service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		s.logger.DebugContext(ctx, "cart loaded", "items", 3)
		s.logger.DebugContext(ctx, "price computed", "total", 42)
		if r.URL.Query().Get("coupon") == "bad" {
			s.logger.ErrorContext(ctx, "checkout failed")
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		s.logger.InfoContext(ctx, "checkout done")
	}
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// TestStack runs the full stack as a user would and checks what the log
// shows, for both orders of the log handlers.
func TestStack(t *testing.T) {
	token, err := debugsample.NewToken(testKey, 5*time.Minute, "GET /checkout")
	if err != nil {
		t.Fatal(err)
	}
	forged := token[:len(token)-4] + "AAAA"
	for _, chain := range chains {
		t.Run(chain.name, func(t *testing.T) {
			t.Run("off: info only", func(t *testing.T) {
				s := newService(t, chain.build, checkout, debugsample.WithTokenKeys(testKey))
				s.get(t, "/checkout", nil)
				s.get(t, "/checkout?coupon=bad", nil)
				msgs := messages(s.logs.lines(t))
				if strings.Join(msgs, ",") != "checkout done,checkout failed" {
					t.Errorf("lines %v", msgs)
				}
			})
			t.Run("buffered: the failing request's debug lines after its error", func(t *testing.T) {
				s := newService(t, chain.build, checkout, debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1}))
				s.get(t, "/checkout", nil)
				s.get(t, "/checkout?coupon=bad", nil)
				lines := s.logs.lines(t)
				if got := strings.Join(messages(lines), ","); got != "checkout done,checkout failed,cart loaded,price computed" {
					t.Fatalf("lines %s", got)
				}
				failed := lines[1]
				for _, l := range lines[2:] {
					if l["debug_buffered"] != true {
						t.Errorf("flushed line not marked: %v", l)
					}
					for _, k := range []string{"correlation_id", "trace_id", "span_id"} {
						if l[k] == nil || l[k] != failed[k] {
							t.Errorf("flushed line %s = %v, the request's error line has %v", k, l[k], failed[k])
						}
					}
				}
				if lines[0]["correlation_id"] == failed["correlation_id"] {
					t.Error("two requests share a correlation ID")
				}
				if s.stats.Flushed() != 2 || s.stats.Discarded() != 2 {
					t.Errorf("flushed %d discarded %d, want 2 and 2", s.stats.Flushed(), s.stats.Discarded())
				}
			})
			t.Run("token: live; forged: ignored and never logged", func(t *testing.T) {
				s := newService(t, chain.build, checkout, debugsample.WithTokenKeys(testKey))
				s.get(t, "/checkout", http.Header{"X-Debug-Token": {token}})
				s.get(t, "/checkout", http.Header{"X-Debug-Token": {forged}})
				s.get(t, "/other", http.Header{"X-Debug-Token": {token}}) // out of scope
				lines := s.logs.lines(t)
				if got := strings.Join(messages(lines), ","); got != "cart loaded,price computed,checkout done,checkout done,checkout done" {
					t.Fatalf("lines %s", got)
				}
				if lines[0]["correlation_id"] != lines[2]["correlation_id"] || lines[0]["trace_id"] == nil || lines[0]["debug_buffered"] != nil {
					t.Errorf("live debug line %v, info line %v", lines[0], lines[2])
				}
				if strings.Contains(s.logs.String(), forged[3:20]) || strings.Contains(s.logs.String(), token[3:20]) {
					t.Error("a token reached the log")
				}
				if s.stats.TokensAccepted() != 1 || s.stats.TokensRefused(debugsample.TokenForged) != 1 || s.stats.TokensRefused(debugsample.TokenOutOfScope) != 1 {
					t.Errorf("accepted %d forged %d out of scope %d", s.stats.TokensAccepted(),
						s.stats.TokensRefused(debugsample.TokenForged), s.stats.TokensRefused(debugsample.TokenOutOfScope))
				}
			})
		})
	}
}

func messages(lines []map[string]any) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l["msg"].(string))
	}
	return out
}

// TestStackDownstream: a live request's decision reaches the next service
// as baggage through tracing.NewTransport, which honours it only from a
// trusted peer; TraceSampler records the live request's own spans, its
// client span and, through the sampled flag, the next service's.
func TestStackDownstream(t *testing.T) {
	token, _ := debugsample.NewToken(testKey, time.Minute, "*")
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	for _, tt := range []struct {
		name      string
		trust     []debugsample.Option
		wantDebug bool
	}{
		{"trusted", []debugsample.Option{debugsample.WithTrustedPeers(loopback)}, true},
		{"untrusted", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			down := newService(t, chains[0].build, func(s *service) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					s.logger.DebugContext(r.Context(), "downstream detail")
					s.logger.InfoContext(r.Context(), "downstream done")
				}
			}, tt.trust...)
			up := newService(t, chains[0].build, func(s *service) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					ctx, span := s.tp.Tracer("app").Start(r.Context(), "work")
					defer span.End()
					s.logger.DebugContext(ctx, "upstream detail")
					req, _ := http.NewRequestWithContext(ctx, "GET", down.srv.URL+"/", nil)
					resp, err := s.client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}, debugsample.WithTokenKeys(testKey))

			up.get(t, "/", http.Header{"X-Debug-Token": {token}})
			if !strings.Contains(up.logs.String(), "upstream detail") {
				t.Error("upstream not live")
			}
			if got := strings.Contains(down.logs.String(), "downstream detail"); got != tt.wantDebug {
				t.Errorf("downstream debug line written = %v, want %v: %s", got, tt.wantDebug, down.logs.String())
			}
			if tt.wantDebug && down.stats.Decisions(debugsample.Live) != 1 {
				t.Errorf("downstream live decisions %d", down.stats.Decisions(debugsample.Live))
			}
			if !tt.wantDebug && down.stats.BaggageIgnored() != 1 {
				t.Errorf("downstream ignored baggage %d times, want 1", down.stats.BaggageIgnored())
			}
			// Spans: the upstream server span started before the decision
			// and was dropped by the base sampler; everything after it is
			// recorded, in one trace.
			upSpans, downSpans := names(up.spans.Ended()), names(down.spans.Ended())
			if strings.Join(upSpans, ",") != "GET,work" {
				t.Errorf("upstream recorded %v, want the client span and the handler's span", upSpans)
			}
			if strings.Join(downSpans, ",") != "GET" {
				t.Errorf("downstream recorded %v, want its server span (sampled parent)", downSpans)
			}
			if len(up.spans.Ended()) > 0 && len(down.spans.Ended()) > 0 &&
				up.spans.Ended()[0].SpanContext().TraceID() != down.spans.Ended()[0].SpanContext().TraceID() {
				t.Error("upstream and downstream spans in different traces")
			}
			for _, sp := range up.spans.Ended() {
				if !hasAttr(sp, string(debugsample.ModeAttribute), "live") {
					t.Errorf("span %q lacks %s=live", sp.Name(), debugsample.ModeAttribute)
				}
			}
		})
	}
}

// TestStackOffRecordsNoSpans: with the base sampler dropping everything,
// an off request records nothing.
func TestStackOffRecordsNoSpans(t *testing.T) {
	s := newService(t, chains[0].build, func(s *service) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, span := s.tp.Tracer("app").Start(r.Context(), "work")
			span.End()
		}
	})
	s.get(t, "/", nil)
	if n := len(s.spans.Ended()); n != 0 {
		t.Errorf("%d spans recorded for an off request", n)
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

func hasAttr(s sdktrace.ReadOnlySpan, key, value string) bool {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key && kv.Value.AsString() == value {
			return true
		}
	}
	return false
}
