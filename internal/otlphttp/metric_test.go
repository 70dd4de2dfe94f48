package otlphttp

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/reprokit/reprokit/internal/otlptest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
)

func TestMetricRoundTrip(t *testing.T) {
	ctx := testCtx(t)
	rcv := otlptest.NewReceiver(t)
	exp, err := NewMetricExporter(Config{Endpoint: rcv.MetricsURL(), Compression: "GZIP"})
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithResource(testResource(t)),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))),
		sdkmetric.WithView(
			sdkmetric.NewView(sdkmetric.Instrument{Name: "exp.hist"}, sdkmetric.Stream{
				Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20},
			}),
			sdkmetric.NewView(sdkmetric.Instrument{Name: "requests"}, sdkmetric.Stream{
				AttributeFilter: attribute.NewAllowKeysFilter("route"),
			}),
			sdkmetric.NewView(sdkmetric.Instrument{Name: "latency"}, sdkmetric.Stream{
				Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: []float64{1, 10}},
			}),
		),
	)
	meter := mp.Meter("meter-a", metric.WithInstrumentationVersion("0.1"), metric.WithSchemaURL(scopeSchema),
		metric.WithInstrumentationAttributes(attribute.Bool("scope.b", true)))

	// A sampled span in the context makes the default exemplar filter
	// keep an exemplar.
	tp := sdktrace.NewTracerProvider()
	sctx, span := tp.Tracer("t").Start(ctx, "with-exemplar")
	defer span.End()
	tid, sid := span.SpanContext().TraceID(), span.SpanContext().SpanID()

	counter, _ := meter.Int64Counter("requests", metric.WithDescription("request count"), metric.WithUnit("{request}"))
	counter.Add(sctx, 3, metric.WithAttributes(attribute.String("route", "/a"), attribute.String("user", "u1")))
	counter.Add(ctx, 2, metric.WithAttributes(attribute.String("route", "/a")))

	updown, _ := meter.Float64UpDownCounter("queue.depth")
	updown.Add(ctx, 5)
	updown.Add(ctx, -1.5)

	gauge, _ := meter.Int64Gauge("temperature", metric.WithUnit("Cel"))
	gauge.Record(ctx, 21, metric.WithAttributes(attribute.String("room", "a")))
	gauge.Record(ctx, -4, metric.WithAttributes(attribute.String("room", "a")))

	hist, _ := meter.Float64Histogram("latency", metric.WithUnit("ms"))
	for _, v := range []float64{0.5, 2, 3, 50} {
		hist.Record(ctx, v)
	}

	exph, _ := meter.Int64Histogram("exp.hist")
	for _, v := range []int64{1, 2, 4, 4, 0} {
		exph.Record(ctx, v)
	}

	if err := mp.Shutdown(ctx); err != nil {
		t.Fatalf("MeterProvider.Shutdown: %v", err)
	}
	if !rcv.Requests()[0].Gzipped {
		t.Error("metrics request not gzipped")
	}
	rms := rcv.Metrics()
	if len(rms) != 1 {
		t.Fatalf("got %d ResourceMetrics, want 1", len(rms))
	}
	wantResource(t, rms[0], rms[0].GetResource().GetAttributes())
	sm := rms[0].GetScopeMetrics()[0]
	wantScope := &commonpb.InstrumentationScope{Name: "meter-a", Version: "0.1",
		Attributes: []*commonpb.KeyValue{kv("scope.b", boolV(true))}}
	if !proto.Equal(sm.GetScope(), wantScope) || sm.GetSchemaUrl() != scopeSchema {
		t.Errorf("scope = %v %q", sm.GetScope(), sm.GetSchemaUrl())
	}
	cumulative := metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE

	t.Run("counter", func(t *testing.T) {
		m := rcv.LastMetric("requests")
		s := m.GetSum()
		if m.GetDescription() != "request count" || m.GetUnit() != "{request}" || s == nil ||
			!s.GetIsMonotonic() || s.GetAggregationTemporality() != cumulative || len(s.GetDataPoints()) != 1 {
			t.Fatalf("requests = %v", m)
		}
		dp := s.GetDataPoints()[0]
		if dp.GetAsInt() != 5 || !equalKVs(dp.GetAttributes(), []*commonpb.KeyValue{kv("route", strV("/a"))}) {
			t.Errorf("data point = %v", dp)
		}
		if dp.GetStartTimeUnixNano() == 0 || dp.GetTimeUnixNano() < dp.GetStartTimeUnixNano() {
			t.Errorf("times start %d time %d", dp.GetStartTimeUnixNano(), dp.GetTimeUnixNano())
		}
		var found bool
		for _, ex := range dp.GetExemplars() {
			if bytes.Equal(ex.GetTraceId(), tid[:]) && bytes.Equal(ex.GetSpanId(), sid[:]) {
				found = true
				if ex.GetAsInt() != 3 || ex.GetTimeUnixNano() == 0 ||
					!equalKVs(ex.GetFilteredAttributes(), []*commonpb.KeyValue{kv("user", strV("u1"))}) {
					t.Errorf("exemplar = %v", ex)
				}
			}
		}
		if !found {
			t.Errorf("no exemplar with the span's IDs in %v", dp.GetExemplars())
		}
	})
	t.Run("up-down counter", func(t *testing.T) {
		s := rcv.LastMetric("queue.depth").GetSum()
		if s == nil || s.GetIsMonotonic() || s.GetAggregationTemporality() != cumulative ||
			s.GetDataPoints()[0].GetAsDouble() != 3.5 {
			t.Errorf("queue.depth = %v", s)
		}
	})
	t.Run("gauge", func(t *testing.T) {
		m := rcv.LastMetric("temperature")
		g := m.GetGauge()
		if g == nil || m.GetUnit() != "Cel" || g.GetDataPoints()[0].GetAsInt() != -4 ||
			!equalKVs(g.GetDataPoints()[0].GetAttributes(), []*commonpb.KeyValue{kv("room", strV("a"))}) {
			t.Errorf("temperature = %v", m)
		}
	})
	t.Run("histogram", func(t *testing.T) {
		h := rcv.LastMetric("latency").GetHistogram()
		if h == nil || h.GetAggregationTemporality() != cumulative {
			t.Fatalf("latency = %v", h)
		}
		dp := h.GetDataPoints()[0]
		if dp.GetCount() != 4 || dp.GetSum() != 55.5 || dp.GetMin() != 0.5 || dp.GetMax() != 50 ||
			!equalSlices(dp.GetExplicitBounds(), []float64{1, 10}) ||
			!equalSlices(dp.GetBucketCounts(), []uint64{1, 2, 1}) {
			t.Errorf("latency data point = %v", dp)
		}
	})
	t.Run("exponential histogram", func(t *testing.T) {
		h := rcv.LastMetric("exp.hist").GetExponentialHistogram()
		if h == nil || h.GetAggregationTemporality() != cumulative {
			t.Fatalf("exp.hist = %v", h)
		}
		dp := h.GetDataPoints()[0]
		if dp.GetCount() != 5 || dp.GetSum() != 11 || dp.GetMin() != 0 || dp.GetMax() != 4 || dp.GetZeroCount() != 1 {
			t.Errorf("exp.hist data point = %v", dp)
		}
		// Powers of two sit on bucket bounds: with buckets
		// (2^(i/2^scale), 2^((i+1)/2^scale)], 2^e falls in bucket
		// e·2^scale - 1.
		counts := dp.GetPositive().GetBucketCounts()
		var total uint64
		for _, c := range counts {
			total += c
		}
		for e, want := range map[int]uint64{0: 1, 1: 1, 2: 2} {
			i := e<<dp.GetScale() - 1 - int(dp.GetPositive().GetOffset())
			if i < 0 || i >= len(counts) || counts[i] != want {
				t.Errorf("bucket for 2^%d (index %d, scale %d, offset %d) of %v, want %d",
					e, i, dp.GetScale(), dp.GetPositive().GetOffset(), counts, want)
			}
		}
		if total != 4 {
			t.Errorf("positive buckets hold %d values, want 4", total)
		}
	})
}

func equalSlices[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMetricExporterTemporality checks that Config.Temporality decides
// what Temporality returns and so what the SDK sends: the two exports of a
// counter carry running totals by default, and per-export increments with
// a selector that asks for delta.
func TestMetricExporterTemporality(t *testing.T) {
	deltaCounters := func(k sdkmetric.InstrumentKind) metricdata.Temporality {
		if k == sdkmetric.InstrumentKindCounter {
			return metricdata.DeltaTemporality
		}
		return metricdata.CumulativeTemporality
	}
	tests := []struct {
		name        string
		temporality sdkmetric.TemporalitySelector
		want        metricpb.AggregationTemporality
		values      []int64 // of the counter, export by export
	}{
		{"nil is cumulative", nil, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, []int64{3, 5}},
		{"delta", deltaCounters, metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA, []int64{3, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			rcv := otlptest.NewReceiver(t)
			exp, err := NewMetricExporter(Config{Endpoint: rcv.MetricsURL(), Temporality: tt.temporality})
			if err != nil {
				t.Fatal(err)
			}
			wantCounter := metricdata.CumulativeTemporality
			if tt.temporality != nil {
				wantCounter = metricdata.DeltaTemporality
			}
			if got := exp.Temporality(sdkmetric.InstrumentKindCounter); got != wantCounter {
				t.Errorf("Temporality(Counter) = %v, want %v", got, wantCounter)
			}
			if got := exp.Temporality(sdkmetric.InstrumentKindUpDownCounter); got != metricdata.CumulativeTemporality {
				t.Errorf("Temporality(UpDownCounter) = %v, want cumulative", got)
			}
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))))
			counter, err := mp.Meter("m").Int64Counter("orders")
			if err != nil {
				t.Fatal(err)
			}
			counter.Add(ctx, 3)
			if err := mp.ForceFlush(ctx); err != nil {
				t.Fatal(err)
			}
			counter.Add(ctx, 2)
			if err := mp.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, m := range rcv.AllMetrics() {
				s := m.GetSum()
				if s.GetAggregationTemporality() != tt.want {
					t.Errorf("exported with %v, want %v", s.GetAggregationTemporality(), tt.want)
				}
				for _, dp := range s.GetDataPoints() {
					got = append(got, dp.GetAsInt())
				}
			}
			if !reflect.DeepEqual(got, tt.values) {
				t.Errorf("counter values = %v, want %v", got, tt.values)
			}
		})
	}
}

// TestResourceMetricsTransform covers what the SDK round trip cannot
// reach: summaries, delta temporality, float exemplars, undefined
// extrema, and metrics that cannot be sent.
func TestResourceMetricsTransform(t *testing.T) {
	now := time.Unix(1700000000, 5)
	rm := &metricdata.ResourceMetrics{
		ScopeMetrics: []metricdata.ScopeMetrics{{
			Metrics: []metricdata.Metrics{
				{Name: "summary", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{
					Time: now, Count: 3, Sum: 6,
					QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5, Value: 2}},
				}}}},
				{Name: "delta", Data: metricdata.Sum[float64]{
					Temporality: metricdata.DeltaTemporality, IsMonotonic: true,
					DataPoints: []metricdata.DataPoint[float64]{{Value: 1.5, Time: now,
						Exemplars: []metricdata.Exemplar[float64]{{Value: 0.25, Time: now}}}},
				}},
				{Name: "hist", Data: metricdata.Histogram[int64]{
					Temporality: metricdata.DeltaTemporality,
					DataPoints:  []metricdata.HistogramDataPoint[int64]{{Count: 0}},
				}},
				{Name: "float-gauge", Data: metricdata.Gauge[float64]{
					DataPoints: []metricdata.DataPoint[float64]{{Value: math.Inf(-1)}},
				}},
				{Name: "bad-temporality", Data: metricdata.Sum[int64]{}},
				{Name: "bad-aggregation", Data: nil},
			},
		}},
	}
	p, err := resourceMetrics(rm)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte(`"bad-temporality"`)) ||
		!bytes.Contains([]byte(err.Error()), []byte(`"bad-aggregation"`)) {
		t.Errorf("error = %v, want both bad metrics named", err)
	}
	ms := p.GetScopeMetrics()[0].GetMetrics()
	if len(ms) != 4 {
		t.Fatalf("got %d metrics, want 4", len(ms))
	}
	sum := ms[0].GetSummary().GetDataPoints()[0]
	if sum.GetCount() != 3 || sum.GetSum() != 6 || sum.GetTimeUnixNano() != uint64(now.UnixNano()) ||
		sum.GetQuantileValues()[0].GetQuantile() != 0.5 || sum.GetQuantileValues()[0].GetValue() != 2 {
		t.Errorf("summary = %v", sum)
	}
	d := ms[1].GetSum()
	if d.GetAggregationTemporality() != metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA ||
		d.GetDataPoints()[0].GetAsDouble() != 1.5 || d.GetDataPoints()[0].GetExemplars()[0].GetAsDouble() != 0.25 {
		t.Errorf("delta = %v", d)
	}
	h := ms[2].GetHistogram().GetDataPoints()[0]
	if h.Min != nil || h.Max != nil || h.Sum == nil || h.GetStartTimeUnixNano() != 0 {
		t.Errorf("histogram without extrema = %v", h)
	}
	if !math.IsInf(ms[3].GetGauge().GetDataPoints()[0].GetAsDouble(), -1) {
		t.Errorf("float gauge = %v", ms[3])
	}

	if p, err := resourceMetrics(&metricdata.ResourceMetrics{}); p != nil || err != nil {
		t.Errorf("empty ResourceMetrics = %v, %v; want nil, nil", p, err)
	}
	if p, err := resourceMetrics(nil); p != nil || err != nil {
		t.Errorf("nil ResourceMetrics = %v, %v; want nil, nil", p, err)
	}
}

func TestMetricExporterSelectors(t *testing.T) {
	exp, err := NewMetricExporter(Config{Endpoint: "http://127.0.0.1:1/v1/metrics"})
	if err != nil {
		t.Fatal(err)
	}
	shutdownOnCleanup(t, exp)
	for _, k := range []sdkmetric.InstrumentKind{
		sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindUpDownCounter, sdkmetric.InstrumentKindHistogram,
		sdkmetric.InstrumentKindGauge, sdkmetric.InstrumentKindObservableCounter,
		sdkmetric.InstrumentKindObservableUpDownCounter, sdkmetric.InstrumentKindObservableGauge,
	} {
		if got := exp.Temporality(k); got != metricdata.CumulativeTemporality {
			t.Errorf("Temporality(%v) = %v", k, got)
		}
		if got, want := exp.Aggregation(k), sdkmetric.DefaultAggregationSelector(k); !reflect.DeepEqual(got, want) {
			t.Errorf("Aggregation(%v) = %v, want %v", k, got, want)
		}
	}
	if err := exp.ForceFlush(t.Context()); err != nil {
		t.Errorf("ForceFlush = %v", err)
	}
	// Nothing to send: no request, no error, even to an endpoint that
	// would refuse the connection.
	if err := exp.Export(t.Context(), &metricdata.ResourceMetrics{}); err != nil {
		t.Errorf("Export(empty) = %v", err)
	}
	if err := exp.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	err = exp.Export(t.Context(), &metricdata.ResourceMetrics{})
	if !errors.Is(err, ErrShutdown) || !errors.Is(err, sdkmetric.ErrExporterShutdown) {
		t.Errorf("Export after Shutdown = %v, want ErrShutdown and sdkmetric.ErrExporterShutdown", err)
	}
}
