package otlptest

import (
	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// AllSpans returns every span received, in order, across resources and
// scopes.
func (r *Receiver) AllSpans() []*tracepb.Span {
	var out []*tracepb.Span
	for _, rs := range r.Spans() {
		for _, ss := range rs.GetScopeSpans() {
			out = append(out, ss.GetSpans()...)
		}
	}
	return out
}

// SpanNames returns the name of every span received, in order.
func (r *Receiver) SpanNames() []string {
	var out []string
	for _, s := range r.AllSpans() {
		out = append(out, s.GetName())
	}
	return out
}

// AllMetrics returns every metric received, in order, across resources
// and scopes. A metric exported twice appears twice.
func (r *Receiver) AllMetrics() []*metricpb.Metric {
	var out []*metricpb.Metric
	for _, rm := range r.Metrics() {
		for _, sm := range rm.GetScopeMetrics() {
			out = append(out, sm.GetMetrics()...)
		}
	}
	return out
}

// LastMetric returns the last metric received with the given name, or
// nil.
func (r *Receiver) LastMetric(name string) *metricpb.Metric {
	var last *metricpb.Metric
	for _, m := range r.AllMetrics() {
		if m.GetName() == name {
			last = m
		}
	}
	return last
}

// AllLogRecords returns every log record received, in order, across
// resources and scopes.
func (r *Receiver) AllLogRecords() []*logpb.LogRecord {
	var out []*logpb.LogRecord
	for _, rl := range r.Logs() {
		for _, sl := range rl.GetScopeLogs() {
			out = append(out, sl.GetLogRecords()...)
		}
	}
	return out
}
