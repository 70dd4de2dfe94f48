package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// TestRequestIDStacks checks that every stack BenchmarkRequestID measures
// does its job, so that none of its numbers can come from a no-op: chi and
// reprokit put an ID in the context (the incoming one when it is valid),
// reprokit echoes it on the response, and bare does neither.
func TestRequestIDStacks(t *testing.T) {
	for _, tc := range requestCases {
		for _, impl := range requestIDImpls {
			t.Run("case="+tc.name+"/impl="+impl.name, func(t *testing.T) {
				var ctxID string
				probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					ctxID = impl.ctxID(r.Context())
					app.ServeHTTP(w, r)
				})
				h := impl.wrap(probe)
				r := newRequest(tc)
				w := newWriter()
				h.ServeHTTP(w, r)

				if w.status != http.StatusOK || w.n != len(body) {
					t.Errorf("response: status %d, %d bytes; want %d, %d bytes", w.status, w.n, http.StatusOK, len(body))
				}
				if got := w.header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", got)
				}
				if got := r.Header.Get(correlation.DefaultHeader); got != tc.incoming {
					t.Errorf("stack modified the caller's request: %s = %q, want %q", correlation.DefaultHeader, got, tc.incoming)
				}

				echo := w.header.Get(correlation.DefaultHeader)
				if impl.name == "bare" {
					if ctxID != "" || echo != "" {
						t.Fatalf("bare: context ID %q, response ID %q; want neither", ctxID, echo)
					}
					return
				}
				if ctxID == "" {
					t.Fatal("no ID in the request context")
				}
				if tc.incoming != "" && ctxID != tc.incoming {
					t.Errorf("context ID = %q, want the incoming %q", ctxID, tc.incoming)
				}
				switch {
				case impl.echoes && echo != ctxID:
					t.Errorf("response %s = %q, want the context ID %q", correlation.DefaultHeader, echo, ctxID)
				case !impl.echoes && echo != "":
					t.Errorf("response %s = %q, want none", correlation.DefaultHeader, echo)
				}
				if impl.name == "reprokit" && tc.incoming == "" && !correlation.ValidID(ctxID) {
					t.Errorf("new ID %q is not a valid ID", ctxID)
				}
			})
		}
	}
}

// TestLogStacks checks that every handler BenchmarkLog measures writes the
// record, and that reprokit's carries the context's ID.
func TestLogStacks(t *testing.T) {
	ctx := correlation.NewContext(context.Background(), incomingID)
	for _, impl := range logImpls {
		t.Run("impl="+impl.name, func(t *testing.T) {
			var buf bytes.Buffer
			logCall(slog.New(impl.new(&buf)), ctx)
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("output %q: %v", buf.String(), err)
			}
			if rec["msg"] != "charged card" || rec["order"] != "A-1042" || rec["cents"] != 1999.0 || rec["retry"] != false {
				t.Errorf("record = %v, want the message and its three attributes", rec)
			}
			id, ok := rec[correlation.DefaultLogKey]
			switch {
			case impl.stamps && id != incomingID:
				t.Errorf("%s = %v, want %q", correlation.DefaultLogKey, id, incomingID)
			case !impl.stamps && ok:
				t.Errorf("%s = %v, want none", correlation.DefaultLogKey, id)
			}
		})
	}
}

// incomingTraceparent is a sampled W3C trace context from a caller.
const incomingTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// checkAppResponse checks that w holds app's response.
func checkAppResponse(t *testing.T, w *writer) {
	t.Helper()
	if w.status != http.StatusOK || w.n != len(body) {
		t.Errorf("response: status %d, %d bytes; want %d, %d bytes", w.status, w.n, http.StatusOK, len(body))
	}
	if got := w.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
}

// TestServerStacks checks that every stack BenchmarkServer measures does
// its job: with the SDK, otelhttp and reprokit each end one server span
// named "GET", whose context the handler gets, and record one duration;
// with the no-op providers they record nothing but still hand the
// caller's traceparent to the handler; bare does none of it.
func TestServerStacks(t *testing.T) {
	for _, pc := range providerCases {
		for _, impl := range serverImpls {
			t.Run("case="+pc.name+"/impl="+impl.name, func(t *testing.T) {
				spans := tracetest.NewSpanRecorder()
				p := pc.new(t, spans)
				var seen trace.SpanContext
				probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					seen = trace.SpanContextFromContext(r.Context())
					app.ServeHTTP(w, r)
				})
				h := impl.wrap(probe, p)
				r := newTracedRequest()
				w := newWriter()
				h.ServeHTTP(w, r)
				checkAppResponse(t, w)
				if r.Context() != context.Background() {
					t.Error("stack modified the caller's request context")
				}

				ended := spans.Ended()
				if !impl.traces || pc.name == "noop" {
					if len(ended) != 0 || seen.IsValid() {
						t.Errorf("%d spans ended, handler saw span context %v; want none", len(ended), seen)
					}
				} else {
					if len(ended) != 1 {
						t.Fatalf("%d spans ended, want 1", len(ended))
					}
					s := ended[0]
					if s.Name() != "GET" || s.SpanKind() != trace.SpanKindServer {
						t.Errorf("span %q of kind %v, want \"GET\" of kind server", s.Name(), s.SpanKind())
					}
					if !seen.Equal(s.SpanContext()) {
						t.Errorf("handler saw span context %v, want the server span's %v", seen, s.SpanContext())
					}
					if n := durationCount(t, p.reader); n != 1 {
						t.Errorf("%d durations recorded, want 1", n)
					}
				}

				// With a caller's traceparent, every tracing stack hands
				// the caller's trace to the handler, no-op or not.
				r = newTracedRequest()
				r.Header.Set("traceparent", incomingTraceparent)
				w.reset()
				h.ServeHTTP(w, r)
				want := impl.traces
				if got := seen.TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736"; got != want {
					t.Errorf("with a traceparent, handler saw trace %v; want the caller's: %v", seen.TraceID(), want)
				}
			})
		}
	}
}

// TestStackStacks checks that every stack BenchmarkStack measures does its
// job: the handler logs its line; chi_otelhttp and reprokit put a request
// ID in the context, end one server span and record one duration; only
// reprokit's log line carries the trace, span and correlation IDs (the
// plain JSON handler of chi_otelhttp knows none of them), and only
// reprokit echoes the request ID.
func TestStackStacks(t *testing.T) {
	for _, impl := range stackImpls {
		t.Run("impl="+impl.name, func(t *testing.T) {
			spans := tracetest.NewSpanRecorder()
			p := newSDK(t, spans)
			var buf bytes.Buffer
			var ctxID string
			var seen trace.SpanContext
			h := impl.new(&buf, p, func(r *http.Request) {
				ctxID = impl.ctxID(r.Context())
				seen = trace.SpanContextFromContext(r.Context())
			})
			r := newTracedRequest()
			w := newWriter()
			h.ServeHTTP(w, r)
			checkAppResponse(t, w)

			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("log output %q: %v", buf.String(), err)
			}
			if rec["msg"] != "order served" || rec["order"] != "A-1042" || rec["cents"] != 1999.0 {
				t.Errorf("log record = %v, want the message and its two attributes", rec)
			}
			idKeys := []string{tracing.DefaultTraceIDKey, tracing.DefaultSpanIDKey, correlation.DefaultLogKey}
			echo := w.header.Get(correlation.DefaultHeader)

			ended := spans.Ended()
			if !impl.traces {
				if len(ended) != 0 || seen.IsValid() || ctxID != "" || echo != "" {
					t.Errorf("bare: %d spans, span context %v, request ID %q, echo %q; want none", len(ended), seen, ctxID, echo)
				}
			} else {
				if len(ended) != 1 {
					t.Fatalf("%d spans ended, want 1", len(ended))
				}
				s := ended[0]
				if s.Name() != "GET" || s.SpanKind() != trace.SpanKindServer || !seen.Equal(s.SpanContext()) {
					t.Errorf("span %q of kind %v with context %v; want \"GET\", server, the handler's %v", s.Name(), s.SpanKind(), s.SpanContext(), seen)
				}
				if n := durationCount(t, p.reader); n != 1 {
					t.Errorf("%d durations recorded, want 1", n)
				}
				if ctxID == "" {
					t.Error("no request ID in the context")
				}
				if impl.stamps {
					want := map[string]string{
						tracing.DefaultTraceIDKey: s.SpanContext().TraceID().String(),
						tracing.DefaultSpanIDKey:  s.SpanContext().SpanID().String(),
						correlation.DefaultLogKey: ctxID,
					}
					for k, v := range want {
						if rec[k] != v {
							t.Errorf("log %s = %v, want %q", k, rec[k], v)
						}
					}
					if echo != ctxID {
						t.Errorf("response %s = %q, want the context ID %q", correlation.DefaultHeader, echo, ctxID)
					}
					return
				}
				if echo != "" {
					t.Errorf("response %s = %q, want none", correlation.DefaultHeader, echo)
				}
			}
			for _, k := range idKeys {
				if v, ok := rec[k]; ok {
					t.Errorf("log %s = %v, want none", k, v)
				}
			}
		})
	}
}
