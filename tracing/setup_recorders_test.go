package tracing

import (
	"context"
	"errors"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// envMap returns a lookup function over m, for WithEnvLookup.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// quietEnv selects no exporter for any signal, so a test builds only what
// its options pass.
func quietEnv(extra map[string]string) func(string) (string, bool) {
	m := map[string]string{
		"OTEL_TRACES_EXPORTER":  "none",
		"OTEL_METRICS_EXPORTER": "none",
		"OTEL_LOGS_EXPORTER":    "none",
	}
	for k, v := range extra {
		m[k] = v
	}
	return envMap(m)
}

// spanRecorder is a SpanExporter that keeps the names and trace IDs of
// what it exports, and counts shutdowns. Unlike tracetest's in-memory
// exporter it keeps them after Shutdown. If block is not nil, Export waits
// for it to be closed.
type spanRecorder struct {
	block chan struct{}

	mu        sync.Mutex // guards the fields below
	names     []string
	traceIDs  []trace.TraceID
	resources []map[string]string
	shutdowns int
}

var _ sdktrace.SpanExporter = (*spanRecorder)(nil)

func (r *spanRecorder) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if r.block != nil {
		<-r.block
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range spans {
		r.names = append(r.names, s.Name())
		r.traceIDs = append(r.traceIDs, s.SpanContext().TraceID())
		res := map[string]string{}
		for _, kv := range s.Resource().Attributes() {
			res[string(kv.Key)] = kv.Value.String()
		}
		r.resources = append(r.resources, res)
	}
	return nil
}

func (r *spanRecorder) Shutdown(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdowns++
	return nil
}

func (r *spanRecorder) exported() ([]string, []trace.TraceID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.names...), append([]trace.TraceID(nil), r.traceIDs...)
}

func (r *spanRecorder) shutdownCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shutdowns
}

// metricRecorder is a metric Exporter that keeps the names of the metrics
// it exports and counts shutdowns.
type metricRecorder struct {
	mu        sync.Mutex // guards the fields below
	names     []string
	shutdowns int
}

var _ sdkmetric.Exporter = (*metricRecorder)(nil)

func (r *metricRecorder) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (r *metricRecorder) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (r *metricRecorder) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			r.names = append(r.names, m.Name)
		}
	}
	return nil
}

func (r *metricRecorder) ForceFlush(context.Context) error { return nil }

func (r *metricRecorder) Shutdown(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdowns++
	return nil
}

func (r *metricRecorder) exported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.names...)
}

// logRecorder is a log Exporter that keeps the bodies and trace IDs of the
// records it exports and counts shutdowns.
type logRecorder struct {
	mu        sync.Mutex // guards the fields below
	bodies    []string
	traceIDs  []trace.TraceID
	shutdowns int
}

var _ sdklog.Exporter = (*logRecorder)(nil)

func (r *logRecorder) Export(_ context.Context, records []sdklog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range records {
		r.bodies = append(r.bodies, rec.Body().AsString())
		r.traceIDs = append(r.traceIDs, rec.TraceID())
	}
	return nil
}

func (r *logRecorder) ForceFlush(context.Context) error { return nil }

func (r *logRecorder) Shutdown(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shutdowns++
	return nil
}

func (r *logRecorder) exported() ([]string, []trace.TraceID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...), append([]trace.TraceID(nil), r.traceIDs...)
}

func (r *logRecorder) shutdownCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shutdowns
}

// envErrors returns the EnvErrors in err, which may be joined.
func envErrors(err error) []*EnvError {
	var out []*EnvError
	var walk func(error)
	walk = func(err error) {
		var ee *EnvError
		switch x := err.(type) {
		case nil:
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		default:
			if errors.As(err, &ee) {
				out = append(out, ee)
			}
		}
	}
	walk(err)
	return out
}
