package grpcdiag_test

import (
	"context"
	"sort"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// telemetry is an in-memory SDK for one test: spans are recorded as they
// end, metrics read on demand.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTelemetry(t testing.TB, sampler ...sdktrace.Sampler) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithSpanProcessor(tel.spans)}
	if len(sampler) > 0 {
		opts = append(opts, sdktrace.WithSampler(sampler[0]))
	}
	tel.tp = sdktrace.NewTracerProvider(opts...)
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		_ = tel.tp.Shutdown(context.Background())
		_ = tel.mp.Shutdown(context.Background())
	})
	return tel
}

// option returns WithTracing with this SDK's providers and more.
func (tel *telemetry) option(more ...tracing.Option) grpcdiag.Option {
	return grpcdiag.WithTracing(append([]tracing.Option{
		tracing.WithTracerProvider(tel.tp), tracing.WithMeterProvider(tel.mp),
	}, more...)...)
}

func (tel *telemetry) ended() []sdktrace.ReadOnlySpan { return tel.spans.Ended() }

// span returns the one ended span of kind, failing if there is not
// exactly one.
func (tel *telemetry) span(t *testing.T, kind trace.SpanKind) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range tel.ended() {
		if s.SpanKind() == kind {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "ended spans of kind %v", kind)
	return found[0]
}

// waitEnded waits for n spans to have ended, since a client stream's span
// ended by its context's callback ends on a goroutine of its own.
func (tel *telemetry) waitEnded(t *testing.T, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	require.Eventually(t, func() bool { return len(tel.ended()) >= n }, 5*time.Second, time.Millisecond)
	return tel.ended()
}

// histogram returns the histogram named name, with its unit, failing if
// there is none.
func (tel *telemetry) histogram(t *testing.T, name string) (metricdata.Histogram[float64], string) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tel.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				h, ok := m.Data.(metricdata.Histogram[float64])
				require.True(t, ok, "%s is a %T", name, m.Data)
				require.Equal(t, "github.com/reprokit/reprokit/grpcdiag", sm.Scope.Name)
				return h, m.Unit
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return metricdata.Histogram[float64]{}, ""
}

// attrs returns a set of attributes as a map.
func attrs(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// keys returns the sorted keys of an attribute set.
func keys(set attribute.Set) []string {
	var ks []string
	for _, kv := range set.ToSlice() {
		ks = append(ks, string(kv.Key))
	}
	sort.Strings(ks)
	return ks
}

// boundedKeys are the only attributes the duration metrics may have.
var boundedKeys = []string{"rpc.grpc.status_code", "rpc.method", "rpc.service", "rpc.system"}

// Caps on what a span may hold, however hostile the call.
const (
	maxSpanName  = 2*256 + 1
	maxAttrValue = 1024
)

// requireCleanSpan checks that every string a span holds is valid UTF-8
// and capped: name, attributes, status, events (but stack traces) and
// links.
func requireCleanSpan(t *testing.T, s sdktrace.ReadOnlySpan) {
	t.Helper()
	require.True(t, utf8.ValidString(s.Name()), "span name %q", s.Name())
	require.LessOrEqual(t, len(s.Name()), maxSpanName, "span name length")
	check := func(where string, kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			if kv.Key == "exception.stacktrace" {
				continue
			}
			for _, v := range stringsOf(kv.Value) {
				require.True(t, utf8.ValidString(v), "%s %s = %q", where, kv.Key, v)
				require.LessOrEqual(t, len(v), maxAttrValue, "%s %s length", where, kv.Key)
			}
		}
	}
	check("attribute", s.Attributes())
	require.True(t, utf8.ValidString(s.Status().Description))
	require.LessOrEqual(t, len(s.Status().Description), maxAttrValue)
	for _, e := range s.Events() {
		check("event "+e.Name, e.Attributes)
	}
	for _, l := range s.Links() {
		check("link", l.Attributes)
	}
}

func stringsOf(v attribute.Value) []string {
	switch v.Type() {
	case attribute.STRING:
		return []string{v.AsString()}
	case attribute.STRINGSLICE:
		return v.AsStringSlice()
	}
	return nil
}
