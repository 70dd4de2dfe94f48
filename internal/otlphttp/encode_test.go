package otlphttp

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestEncodeRequestMatchesCollector checks that the hand-wrapped request
// is byte for byte what the collector's request message marshals to.
func TestEncodeRequestMatchesCollector(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", "enc"))
	stubs := tracetest.SpanStubs{
		{Name: "a", Resource: res, Attributes: allTypes, SpanContext: trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})},
		{Name: "b", Resource: resource.NewSchemaless(attribute.Int("other", 1))},
	}
	rs := resourceSpans(stubs.Snapshots())
	if len(rs) != 2 {
		t.Fatalf("got %d ResourceSpans, want 2", len(rs))
	}
	rm, _ := resourceMetrics(&metricdata.ResourceMetrics{Resource: res, ScopeMetrics: []metricdata.ScopeMetrics{{
		Metrics: []metricdata.Metrics{{Name: "g", Data: metricdata.Gauge[int64]{
			DataPoints: []metricdata.DataPoint[int64]{{Value: 1}},
		}}},
	}}})
	rl := []*logpb.ResourceLogs{{ScopeLogs: []*logpb.ScopeLogs{{LogRecords: []*logpb.LogRecord{{SeverityText: "x"}}}}}}

	tests := []struct {
		name string
		mine func() ([]byte, error)
		want proto.Message
	}{
		{"traces", func() ([]byte, error) { return encodeRequest(rs) }, &coltracepb.ExportTraceServiceRequest{ResourceSpans: rs}},
		{"no traces", func() ([]byte, error) { return encodeRequest([]*tracepb.ResourceSpans{}) }, &coltracepb.ExportTraceServiceRequest{}},
		{"metrics", func() ([]byte, error) { return encodeRequest([]*metricpb.ResourceMetrics{rm}) },
			&colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{rm}}},
		{"logs", func() ([]byte, error) { return encodeRequest(rl) }, &collogpb.ExportLogsServiceRequest{ResourceLogs: rl}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.mine()
			if err != nil {
				t.Fatal(err)
			}
			want, err := proto.Marshal(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encodeRequest = %x\nproto.Marshal = %x", got, want)
			}
		})
	}
}

func TestGzipBytes(t *testing.T) {
	in := bytes.Repeat([]byte("otlp "), 1000)
	for range 3 { // pooled writers must reset cleanly
		z, err := gzipBytes(in)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip = %d bytes, %v", len(out), err)
		}
	}
}
