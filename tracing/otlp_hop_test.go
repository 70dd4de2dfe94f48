package tracing

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/internal/otlptest"
)

// TestTwoServiceHopOverOTLP runs two services, each set up from OTLP
// variables pointing at one in-process receiver, front calling back, and
// checks what a backend would get: both services' spans in one trace with
// the parent chain across the hop, their resources, their request
// duration metrics, and their log records in the same trace.
func TestTwoServiceHopOverOTLP(t *testing.T) {
	recv := otlptest.NewReceiver(t)
	setup := func(service string) (*Providers, func(context.Context) error) {
		var p Providers
		shutdown, err := Setup(context.Background(),
			WithEnvLookup(envMap(map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT": recv.URL(),
				"OTEL_SERVICE_NAME":           service,
			})),
			WithoutGlobal(), WithProviders(&p))
		if err != nil {
			t.Fatal(err)
		}
		return &p, shutdown
	}
	frontP, frontDown := setup("front")
	backP, backDown := setup("back")
	opts := func(p *Providers) []Option {
		return []Option{WithTracerProvider(p.TracerProvider), WithMeterProvider(p.MeterProvider), WithPropagator(p.Propagator)}
	}

	backLog := slog.New(backP.LogHandler("back"))
	backMux := http.NewServeMux()
	backMux.HandleFunc("GET /stock/{sku}", func(w http.ResponseWriter, r *http.Request) {
		backLog.InfoContext(r.Context(), "stock read")
		io.WriteString(w, "3")
	})
	back := httptest.NewServer(correlation.NewHandler(NewHandler(backMux, opts(backP)...)))
	defer back.Close()

	client := &http.Client{Transport: NewTransport(correlation.NewTransport(back.Client().Transport), opts(frontP)...)}
	frontLog := slog.New(frontP.LogHandler("front"))
	frontMux := http.NewServeMux()
	frontMux.HandleFunc("POST /checkout", func(w http.ResponseWriter, r *http.Request) {
		frontLog.InfoContext(r.Context(), "checkout")
		req, _ := http.NewRequestWithContext(r.Context(), "GET", back.URL+"/stock/a42", nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		io.Copy(w, resp.Body)
		resp.Body.Close()
	})
	front := httptest.NewServer(correlation.NewHandler(NewHandler(frontMux, opts(frontP)...)))
	defer front.Close()

	req, _ := http.NewRequest("POST", front.URL+"/checkout", bytes.NewReader(nil))
	req.Header.Set("X-Request-ID", "otlp-hop-1")
	resp, err := front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	client.CloseIdleConnections()
	front.Client().CloseIdleConnections()
	if err := frontDown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := backDown(context.Background()); err != nil {
		t.Fatal(err)
	}

	type got struct {
		service string
		span    *tracepb.Span
	}
	spans := map[string]got{} // by name
	for _, rs := range recv.Spans() {
		var service string
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				spans[service+" "+s.GetName()] = got{service, s}
			}
		}
	}
	frontSrv, frontCli, backSrv := spans["front POST /checkout"], spans["front GET"], spans["back GET /stock/{sku}"]
	if frontSrv.span == nil || frontCli.span == nil || backSrv.span == nil {
		t.Fatalf("spans received: %v", keys(spans))
	}
	if !bytes.Equal(frontCli.span.GetParentSpanId(), frontSrv.span.GetSpanId()) ||
		!bytes.Equal(backSrv.span.GetParentSpanId(), frontCli.span.GetSpanId()) ||
		!bytes.Equal(backSrv.span.GetTraceId(), frontSrv.span.GetTraceId()) {
		t.Error("the received spans are not one chain front server → front client → back server")
	}
	if backSrv.span.GetKind() != tracepb.Span_SPAN_KIND_SERVER || frontCli.span.GetKind() != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("kinds: back %v, client %v", backSrv.span.GetKind(), frontCli.span.GetKind())
	}
	battrs := map[string]string{}
	for _, kv := range backSrv.span.GetAttributes() {
		battrs[kv.GetKey()] = kv.GetValue().GetStringValue()
	}
	if battrs["http.route"] != "/stock/{sku}" || battrs["correlation.id"] != "otlp-hop-1" || battrs["url.path"] != "/stock/a42" {
		t.Errorf("back span attributes: %v", battrs)
	}

	metrics := map[string]bool{}
	for _, rm := range recv.Metrics() {
		var service string
		for _, kv := range rm.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				metrics[service+" "+m.GetName()] = true
			}
		}
	}
	for _, want := range []string{"front http.server.request.duration", "front http.client.request.duration", "back http.server.request.duration"} {
		if !metrics[want] {
			t.Errorf("metric %q not received (got %v)", want, metrics)
		}
	}

	logsInTrace := 0
	for _, rl := range recv.Logs() {
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				if bytes.Equal(lr.GetTraceId(), frontSrv.span.GetTraceId()) {
					logsInTrace++
				}
			}
		}
	}
	if logsInTrace != 2 {
		t.Errorf("%d log records in the trace, want 2 (one per service)", logsInTrace)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSetupRoutesOTelErrorsToSlog(t *testing.T) {
	keepGlobals(t)
	previous := otel.GetErrorHandler()
	t.Cleanup(func() { otel.SetErrorHandler(previous) })

	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	shutdown, err := Setup(context.Background(), WithEnvLookup(quietEnv(nil)), WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())

	// What the baggage propagator reports for a hostile header.
	otel.Handle(errors.New("invalid baggage: k=\xff\xfe" + strings.Repeat("x", 4096)))
	out := buf.String()
	if !strings.Contains(out, `"msg":"opentelemetry: invalid baggage`) || strings.Contains(out, "\xff") || len(out) > 1024 {
		t.Errorf("OTel error not logged safely through slog: %q", out)
	}
}
