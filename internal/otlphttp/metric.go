package otlphttp

import (
	"context"
	"errors"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// MetricExporter sends metrics to an OTLP/HTTP metrics endpoint, one
// request per Export call. It asks for the temporality that
// [Config.Temporality] selects, cumulative by default, and the default
// aggregation of every instrument kind. It is safe for concurrent use.
type MetricExporter struct {
	c           *client
	temporality sdkmetric.TemporalitySelector // never nil
}

var _ sdkmetric.Exporter = (*MetricExporter)(nil)

// NewMetricExporter returns an exporter for cfg, or an error naming the
// Config field that is invalid. It sends nothing until Export.
func NewMetricExporter(cfg Config) (*MetricExporter, error) {
	c, err := newClient(cfg, sdkmetric.ErrExporterShutdown)
	if err != nil {
		return nil, err
	}
	temporality := cfg.Temporality
	if temporality == nil {
		temporality = sdkmetric.DefaultTemporalitySelector
	}
	return &MetricExporter{c: c, temporality: temporality}, nil
}

// Temporality returns the temporality that [Config.Temporality] selects
// for k, or cumulative temporality when it is nil.
func (e *MetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return e.temporality(k)
}

// Aggregation returns the SDK's default aggregation for k.
func (e *MetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

// Export sends rm, retrying as the package doc describes, and returns once
// it is accepted or the export failed. rm is not kept. Metrics with an
// aggregation or temporality OTLP cannot carry are left out and reported in
// the error, the rest still sent. An rm without metrics sends nothing.
// After Shutdown it returns an error matching ErrShutdown and
// sdkmetric.ErrExporterShutdown.
func (e *MetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	var transformErr error
	err := e.c.export(ctx, func() ([]byte, error) {
		p, err := resourceMetrics(rm)
		transformErr = err
		if p == nil {
			return nil, nil
		}
		return encodeRequest([]*metricpb.ResourceMetrics{p})
	})
	return errors.Join(err, transformErr)
}

// ForceFlush does nothing, as the exporter holds no data between calls; it
// returns ctx's error if ctx is done.
func (e *MetricExporter) ForceFlush(ctx context.Context) error { return ctx.Err() }

// Shutdown refuses further exports, waits for those in flight until ctx
// ends, aborts any still running, and closes the idle connections of the
// exporter's own client. Only the first call does anything; it returns
// ctx's error if it had to abort exports.
func (e *MetricExporter) Shutdown(ctx context.Context) error { return e.c.shutdown(ctx) }

// Stats returns what the exporter has done so far.
func (e *MetricExporter) Stats() Stats { return e.c.stats.snapshot() }
