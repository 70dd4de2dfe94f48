package debugsample_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/tracing"
)

// TestPreStartRecordsTheServerSpan checks that with Sampler.PreStart given
// to tracing, a live request has its server span recorded even when the
// base sampler records nothing, and that the middleware's decision agrees
// with what the sampler did.
func TestPreStartRecordsTheServerSpan(t *testing.T) {
	key := []byte("prestart-test-key-0123456789abcdef")
	token, err := debugsample.NewToken(key, time.Minute, "*")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		policy    debugsample.Policy
		token     string
		wantSpans int
		wantMode  debugsample.Mode
	}{
		{"valid token", debugsample.Policy{}, token, 2, debugsample.Live},
		{"live rate 1", debugsample.Policy{LiveRate: 1}, "", 2, debugsample.Live},
		{"buffered rate 1 is not forced into the trace", debugsample.Policy{BufferedRate: 1}, "", 0, debugsample.Buffered},
		{"off", debugsample.Policy{}, "", 0, debugsample.Off},
		{"forged token", debugsample.Policy{}, token[:len(token)-2] + "AA", 0, debugsample.Off},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans),
				sdktrace.WithSampler(debugsample.TraceSampler(sdktrace.NeverSample())))
			defer tp.Shutdown(context.Background())

			s := debugsample.NewSampler(debugsample.WithPolicy(tt.policy), debugsample.WithTokenKeys(key))
			var mode debugsample.Mode
			inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				d, _ := debugsample.FromContext(r.Context())
				mode = d.Mode
				_, span := tp.Tracer("handler").Start(r.Context(), "load order")
				span.End()
			})
			h := tracing.NewHandler(s.Handler(inner), tracing.WithTracerProvider(tp), tracing.WithPreStart(s.PreStart))
			req := httptest.NewRequest("GET", "/orders/1", nil)
			if tt.token != "" {
				req.Header.Set(debugsample.DefaultTokenHeader, tt.token)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)

			if mode != tt.wantMode {
				t.Errorf("decision %v, want %v", mode, tt.wantMode)
			}
			if got := len(spans.Ended()); got != tt.wantSpans {
				t.Errorf("%d spans recorded, want %d (server and handler)", got, tt.wantSpans)
			}
			st := s.Stats()
			if got := st.TokensAccepted() + st.TokensRefusedTotal(); tt.token != "" && got != 1 {
				t.Errorf("token counted %d times, want once", got)
			}
			if got := st.Decisions(debugsample.Off) + st.Decisions(debugsample.Live) + st.Decisions(debugsample.Buffered); got != 1 {
				t.Errorf("%d decisions counted, want 1", got)
			}
		})
	}
}

// TestPreStartAgreesWithTheDecision sends requests at a live rate of one
// half: the server span is recorded exactly for the requests the
// middleware makes live, since both draw on the same trace ID.
func TestPreStartAgreesWithTheDecision(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans),
		sdktrace.WithSampler(debugsample.TraceSampler(sdktrace.NeverSample())))
	defer tp.Shutdown(context.Background())
	s := debugsample.NewSampler(debugsample.WithPolicy(debugsample.Policy{LiveRate: 0.5, MaxPerSecond: 1e9}))
	var live bool
	h := tracing.NewHandler(s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := debugsample.FromContext(r.Context())
		live = d.Mode == debugsample.Live
	})), tracing.WithTracerProvider(tp), tracing.WithPreStart(s.PreStart))
	lives := 0
	for i := range 200 {
		before := len(spans.Ended())
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		recorded := len(spans.Ended()) > before
		if recorded != live {
			t.Fatalf("request %d: span recorded %v, decision live %v", i, recorded, live)
		}
		if live {
			lives++
		}
	}
	if lives < 60 || lives > 140 {
		t.Errorf("%d of 200 live at rate 0.5", lives)
	}
}
