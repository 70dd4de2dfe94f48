package tracing

import "go.opentelemetry.io/otel/propagation"

// readPropagator returns the propagator that OTEL_PROPAGATORS selects: by
// default W3C trace context and W3C baggage; "none" propagates nothing.
// The other propagators of the specification (b3, jaeger, xray, …) are
// not provided.
func (r *envReader) readPropagator() propagation.TextMapPropagator {
	names := r.list(envPropagators, []string{"tracecontext", "baggage"},
		[]string{"tracecontext", "baggage", "none"},
		map[string]string{
			"b3":      "the B3 propagator is not provided",
			"b3multi": "the B3 propagator is not provided",
			"jaeger":  "the Jaeger propagator is not provided",
			"xray":    "the AWS X-Ray propagator is not provided",
			"ottrace": "the OT Trace propagator is not provided",
		})
	var ps []propagation.TextMapPropagator
	for _, n := range names {
		switch n {
		case "tracecontext":
			ps = append(ps, propagation.TraceContext{})
		case "baggage":
			ps = append(ps, propagation.Baggage{})
		}
	}
	return propagation.NewCompositeTextMapPropagator(ps...)
}
