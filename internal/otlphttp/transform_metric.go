package otlphttp

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
)

// resourceMetrics transforms rm. Metrics it cannot transform (an unknown
// aggregation or temporality) are left out and reported in the error; the
// rest is returned. It returns nil when there is no metric to send.
func resourceMetrics(rm *metricdata.ResourceMetrics) (*metricpb.ResourceMetrics, error) {
	if rm == nil {
		return nil, nil
	}
	var errs []error
	out := &metricpb.ResourceMetrics{
		Resource:  resourceProto(rm.Resource),
		SchemaUrl: rm.Resource.SchemaURL(),
	}
	for _, sm := range rm.ScopeMetrics {
		ms := make([]*metricpb.Metric, 0, len(sm.Metrics))
		for _, m := range sm.Metrics {
			p, err := metricProto(m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ms = append(ms, p)
		}
		if len(ms) == 0 {
			continue
		}
		out.ScopeMetrics = append(out.ScopeMetrics, &metricpb.ScopeMetrics{
			Scope:     scopeProto(sm.Scope),
			Metrics:   ms,
			SchemaUrl: sm.Scope.SchemaURL,
		})
	}
	if len(out.ScopeMetrics) == 0 {
		out = nil
	}
	return out, errors.Join(errs...)
}

func metricProto(m metricdata.Metrics) (*metricpb.Metric, error) {
	p := &metricpb.Metric{Name: m.Name, Description: m.Description, Unit: m.Unit}
	var err error
	switch a := m.Data.(type) {
	case metricdata.Gauge[int64]:
		p.Data = &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: numberPoints(a.DataPoints)}}
	case metricdata.Gauge[float64]:
		p.Data = &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: numberPoints(a.DataPoints)}}
	case metricdata.Sum[int64]:
		p.Data, err = sumProto(a)
	case metricdata.Sum[float64]:
		p.Data, err = sumProto(a)
	case metricdata.Histogram[int64]:
		p.Data, err = histogramProto(a)
	case metricdata.Histogram[float64]:
		p.Data, err = histogramProto(a)
	case metricdata.ExponentialHistogram[int64]:
		p.Data, err = expHistogramProto(a)
	case metricdata.ExponentialHistogram[float64]:
		p.Data, err = expHistogramProto(a)
	case metricdata.Summary:
		p.Data = &metricpb.Metric_Summary{Summary: &metricpb.Summary{DataPoints: summaryPoints(a.DataPoints)}}
	default:
		err = fmt.Errorf("unknown aggregation %T", a)
	}
	if err != nil {
		return nil, fmt.Errorf("otlphttp: metric %q left out: %w", m.Name, err)
	}
	return p, nil
}

func temporality(t metricdata.Temporality) (metricpb.AggregationTemporality, error) {
	switch t {
	case metricdata.CumulativeTemporality:
		return metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, nil
	case metricdata.DeltaTemporality:
		return metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA, nil
	}
	return 0, fmt.Errorf("unknown temporality %v", t)
}

func sumProto[N int64 | float64](s metricdata.Sum[N]) (*metricpb.Metric_Sum, error) {
	t, err := temporality(s.Temporality)
	if err != nil {
		return nil, err
	}
	return &metricpb.Metric_Sum{Sum: &metricpb.Sum{
		DataPoints:             numberPoints(s.DataPoints),
		AggregationTemporality: t,
		IsMonotonic:            s.IsMonotonic,
	}}, nil
}

func numberPoints[N int64 | float64](dps []metricdata.DataPoint[N]) []*metricpb.NumberDataPoint {
	out := make([]*metricpb.NumberDataPoint, len(dps))
	for i, dp := range dps {
		p := &metricpb.NumberDataPoint{
			Attributes:        setKeyValues(&dp.Attributes),
			StartTimeUnixNano: unixNano(dp.StartTime),
			TimeUnixNano:      unixNano(dp.Time),
			Exemplars:         exemplars(dp.Exemplars),
		}
		switch v := any(dp.Value).(type) {
		case int64:
			p.Value = &metricpb.NumberDataPoint_AsInt{AsInt: v}
		case float64:
			p.Value = &metricpb.NumberDataPoint_AsDouble{AsDouble: v}
		}
		out[i] = p
	}
	return out
}

func histogramProto[N int64 | float64](h metricdata.Histogram[N]) (*metricpb.Metric_Histogram, error) {
	t, err := temporality(h.Temporality)
	if err != nil {
		return nil, err
	}
	dps := make([]*metricpb.HistogramDataPoint, len(h.DataPoints))
	for i, dp := range h.DataPoints {
		sum := float64(dp.Sum)
		dps[i] = &metricpb.HistogramDataPoint{
			Attributes:        setKeyValues(&dp.Attributes),
			StartTimeUnixNano: unixNano(dp.StartTime),
			TimeUnixNano:      unixNano(dp.Time),
			Count:             dp.Count,
			Sum:               &sum,
			BucketCounts:      dp.BucketCounts,
			ExplicitBounds:    dp.Bounds,
			Exemplars:         exemplars(dp.Exemplars),
			Min:               extremum(dp.Min),
			Max:               extremum(dp.Max),
		}
	}
	return &metricpb.Metric_Histogram{Histogram: &metricpb.Histogram{
		DataPoints:             dps,
		AggregationTemporality: t,
	}}, nil
}

func expHistogramProto[N int64 | float64](h metricdata.ExponentialHistogram[N]) (*metricpb.Metric_ExponentialHistogram, error) {
	t, err := temporality(h.Temporality)
	if err != nil {
		return nil, err
	}
	dps := make([]*metricpb.ExponentialHistogramDataPoint, len(h.DataPoints))
	for i, dp := range h.DataPoints {
		sum := float64(dp.Sum)
		dps[i] = &metricpb.ExponentialHistogramDataPoint{
			Attributes:        setKeyValues(&dp.Attributes),
			StartTimeUnixNano: unixNano(dp.StartTime),
			TimeUnixNano:      unixNano(dp.Time),
			Count:             dp.Count,
			Sum:               &sum,
			Scale:             dp.Scale,
			ZeroCount:         dp.ZeroCount,
			Positive:          expBuckets(dp.PositiveBucket),
			Negative:          expBuckets(dp.NegativeBucket),
			Exemplars:         exemplars(dp.Exemplars),
			Min:               extremum(dp.Min),
			Max:               extremum(dp.Max),
			ZeroThreshold:     dp.ZeroThreshold,
		}
	}
	return &metricpb.Metric_ExponentialHistogram{ExponentialHistogram: &metricpb.ExponentialHistogram{
		DataPoints:             dps,
		AggregationTemporality: t,
	}}, nil
}

func expBuckets(b metricdata.ExponentialBucket) *metricpb.ExponentialHistogramDataPoint_Buckets {
	return &metricpb.ExponentialHistogramDataPoint_Buckets{Offset: b.Offset, BucketCounts: b.Counts}
}

func summaryPoints(dps []metricdata.SummaryDataPoint) []*metricpb.SummaryDataPoint {
	out := make([]*metricpb.SummaryDataPoint, len(dps))
	for i, dp := range dps {
		qs := make([]*metricpb.SummaryDataPoint_ValueAtQuantile, len(dp.QuantileValues))
		for j, q := range dp.QuantileValues {
			qs[j] = &metricpb.SummaryDataPoint_ValueAtQuantile{Quantile: q.Quantile, Value: q.Value}
		}
		out[i] = &metricpb.SummaryDataPoint{
			Attributes:        setKeyValues(&dp.Attributes),
			StartTimeUnixNano: unixNano(dp.StartTime),
			TimeUnixNano:      unixNano(dp.Time),
			Count:             dp.Count,
			Sum:               dp.Sum,
			QuantileValues:    qs,
		}
	}
	return out
}

// extremum returns a defined minimum or maximum, or nil.
func extremum[N int64 | float64](e metricdata.Extrema[N]) *float64 {
	v, ok := e.Value()
	if !ok {
		return nil
	}
	f := float64(v)
	return &f
}

func exemplars[N int64 | float64](exs []metricdata.Exemplar[N]) []*metricpb.Exemplar {
	if len(exs) == 0 {
		return nil
	}
	out := make([]*metricpb.Exemplar, len(exs))
	for i, e := range exs {
		p := &metricpb.Exemplar{
			FilteredAttributes: keyValues(e.FilteredAttributes),
			TimeUnixNano:       unixNano(e.Time),
			SpanId:             e.SpanID,
			TraceId:            e.TraceID,
		}
		switch v := any(e.Value).(type) {
		case int64:
			p.Value = &metricpb.Exemplar_AsInt{AsInt: v}
		case float64:
			p.Value = &metricpb.Exemplar_AsDouble{AsDouble: v}
		}
		out[i] = p
	}
	return out
}
