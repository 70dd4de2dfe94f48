package tracing

import (
	"context"
	"strconv"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
)

// durationBuckets are the bucket boundaries, in seconds, that the HTTP
// semantic conventions advise for request durations.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// maxSeries caps the attribute sets kept ready for recording. Past it sets
// are built per request: still correct, only slower. The cap protects
// memory if a route function returns raw paths against its contract.
const maxSeries = 4096

// seriesKey identifies one metric series. Every field is bounded: the
// method is a known one or "_OTHER", the route a template, the status a
// code the handler wrote.
type seriesKey struct {
	method  string
	route   string
	status  int
	https   bool
	version string
	errType string // error.type; for a 5xx without one, the status code
}

// durationRecorder records http.server.request.duration (or the client
// equivalent) with attribute sets built once per series.
type durationRecorder struct {
	hist metric.Float64Histogram

	mu     sync.RWMutex // guards series
	series map[seriesKey][]metric.RecordOption
}

func newDurationRecorder(mp metric.MeterProvider, name, desc string) *durationRecorder {
	meter := mp.Meter(instrumentationName,
		metric.WithInstrumentationVersion(version),
		metric.WithSchemaURL(semconv.SchemaURL))
	hist, err := meter.Float64Histogram(name,
		metric.WithUnit("s"),
		metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		// Meters return a usable no-op instrument with the error; the
		// error means the name or options are invalid, which they are not.
		_ = err
	}
	return &durationRecorder{hist: hist, series: make(map[seriesKey][]metric.RecordOption)}
}

func (d *durationRecorder) record(ctx context.Context, seconds float64, k seriesKey) {
	d.mu.RLock()
	opts, ok := d.series[k]
	d.mu.RUnlock()
	if !ok {
		opts = []metric.RecordOption{metric.WithAttributeSet(k.attributes())}
		d.mu.Lock()
		if len(d.series) < maxSeries {
			d.series[k] = opts
		}
		d.mu.Unlock()
	}
	d.hist.Record(ctx, seconds, opts...)
}

func (k seriesKey) attributes() attribute.Set {
	kvs := make([]attribute.KeyValue, 0, 6)
	kvs = append(kvs, semconv.HTTPRequestMethodKey.String(k.method))
	if k.https {
		kvs = append(kvs, semconv.URLSchemeKey.String("https"))
	} else {
		kvs = append(kvs, semconv.URLSchemeKey.String("http"))
	}
	if k.status > 0 {
		kvs = append(kvs, semconv.HTTPResponseStatusCodeKey.Int(k.status))
	}
	if k.route != "" {
		kvs = append(kvs, semconv.HTTPRouteKey.String(k.route))
	}
	if k.version != "" {
		kvs = append(kvs, semconv.NetworkProtocolVersionKey.String(k.version))
	}
	switch {
	case k.errType != "":
		kvs = append(kvs, semconv.ErrorTypeKey.String(k.errType))
	case k.status >= 500:
		kvs = append(kvs, semconv.ErrorTypeKey.String(strconv.Itoa(k.status)))
	}
	return attribute.NewSet(kvs...)
}
