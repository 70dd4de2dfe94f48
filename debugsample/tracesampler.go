package debugsample

import (
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ModeAttribute is the span attribute that [TraceSampler] sets on the
// spans it samples because their request is live: reprokit.debug="live".
const ModeAttribute = attribute.Key("reprokit.debug")

// TraceSampler returns an OpenTelemetry sampler that records and samples
// every span started in the context of a live request, and leaves every
// other span to base. Install it on the tracer provider
// (sdktrace.WithSampler(debugsample.TraceSampler(sdktrace.ParentBased(…))),
// or tracing.WithSampler) so that a request whose debug lines are written
// also has its spans recorded.
//
// It reads the decision from the parent context, where [NewMiddleware]
// (or [Sampler.Begin]) put it. So it samples the spans started after the
// decision: the handler's own, the client spans of tracing.NewTransport
// and, through the sampled flag of traceparent, the spans of the services
// called (with a parent-based sampler there). The server span of
// tracing.NewMiddleware starts before the decision, since the decision is
// drawn from that span's trace ID: to record it too, give tracing the
// Sampler's [Sampler.PreStart] (tracing.WithPreStart), which classifies
// the request before the span starts; TraceSampler then draws the rates
// on the new span's trace ID exactly as the decision will.
//
// A span sampled for a live request gets the attribute [ModeAttribute].
// TraceSampler panics if base is nil.
func TraceSampler(base sdktrace.Sampler) sdktrace.Sampler {
	if base == nil {
		panic("debugsample: TraceSampler called with a nil sampler")
	}
	return &traceSampler{base: base}
}

type traceSampler struct {
	base sdktrace.Sampler
}

var liveAttrs = []attribute.KeyValue{ModeAttribute.String("live")}

func (s *traceSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	live := false
	if r := runFrom(p.ParentContext); r != nil {
		live = r.mode == Live
	} else {
		live = preLive(p.ParentContext, func() uint64 { return HashTraceID(p.TraceID) })
	}
	if live {
		return sdktrace.SamplingResult{
			Decision:   sdktrace.RecordAndSample,
			Attributes: liveAttrs,
			Tracestate: trace.SpanContextFromContext(p.ParentContext).TraceState(),
		}
	}
	return s.base.ShouldSample(p)
}

func (s *traceSampler) Description() string {
	return "DebugSampler{" + s.base.Description() + "}"
}
