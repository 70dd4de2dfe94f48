package tracing

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/reprokit/reprokit/internal/otlptest"
)

// TestSetupOTLPEndToEnd points the OTLP variables at an in-process
// receiver and checks that a span, a metric and a log record arrive over
// OTLP/HTTP, with the configured headers and resource, and that the log
// record carries the span's trace ID.
func TestSetupOTLPEndToEnd(t *testing.T) {
	recv := otlptest.NewReceiver(t)
	var p Providers
	shutdown, err := Setup(context.Background(),
		WithEnvLookup(envMap(map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":           recv.URL(),
			"OTEL_EXPORTER_OTLP_HEADERS":            "authorization=Bearer%20" + secret,
			"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip",
			"OTEL_SERVICE_NAME":                     "e2e",
			"OTEL_RESOURCE_ATTRIBUTES":              "deployment.environment.name=test",
		})),
		WithoutGlobal(), WithProviders(&p))
	if err != nil {
		t.Fatal(err)
	}
	traceID := emit(t, &p)
	if err := shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}

	paths := map[string]int{}
	for _, req := range recv.Requests() {
		paths[req.Path]++
		if got := req.Header.Get("Authorization"); got != "Bearer "+secret {
			t.Errorf("%s: Authorization = %q", req.Path, got)
		}
		if want := req.Path == otlptest.TracesPath; req.Gzipped != want {
			t.Errorf("%s: gzipped = %v, want %v", req.Path, req.Gzipped, want)
		}
	}
	for _, path := range []string{otlptest.TracesPath, otlptest.MetricsPath, otlptest.LogsPath} {
		if paths[path] == 0 {
			t.Errorf("nothing received on %s (requests by path: %v)", path, paths)
		}
	}

	var spanNames []string
	for _, rs := range recv.Spans() {
		res := map[string]string{}
		for _, kv := range rs.GetResource().GetAttributes() {
			res[kv.GetKey()] = kv.GetValue().GetStringValue()
		}
		if res["service.name"] != "e2e" || res["deployment.environment.name"] != "test" {
			t.Errorf("span resource = %v", res)
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				spanNames = append(spanNames, s.GetName())
				if got := hex.EncodeToString(s.GetTraceId()); got != traceID {
					t.Errorf("span trace ID = %s, want %s", got, traceID)
				}
			}
		}
	}
	if len(spanNames) != 1 || spanNames[0] != "charge card" {
		t.Errorf("spans received = %v", spanNames)
	}

	var metricNames []string
	for _, rm := range recv.Metrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				metricNames = append(metricNames, m.GetName())
			}
		}
	}
	if len(metricNames) != 1 || metricNames[0] != "orders" {
		t.Errorf("metrics received = %v", metricNames)
	}

	var logs int
	for _, rl := range recv.Logs() {
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				logs++
				if lr.GetBody().GetStringValue() != "charged" || hex.EncodeToString(lr.GetTraceId()) != traceID {
					t.Errorf("log record = %v, want charged in trace %s", lr, traceID)
				}
			}
		}
	}
	if logs != 1 {
		t.Errorf("received %d log records, want 1", logs)
	}
}
