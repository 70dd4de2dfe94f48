package tracing

import (
	"math"
	"strconv"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The samplers that OTEL_TRACES_SAMPLER may name.
const (
	samplerAlwaysOn                = "always_on"
	samplerAlwaysOff               = "always_off"
	samplerTraceIDRatio            = "traceidratio"
	samplerParentBasedAlwaysOn     = "parentbased_always_on"
	samplerParentBasedAlwaysOff    = "parentbased_always_off"
	samplerParentBasedTraceIDRatio = "parentbased_traceidratio"
)

var (
	supportedSamplers = []string{
		samplerAlwaysOn, samplerAlwaysOff, samplerTraceIDRatio,
		samplerParentBasedAlwaysOn, samplerParentBasedAlwaysOff, samplerParentBasedTraceIDRatio,
	}
	unsupportedSamplers = map[string]string{
		"jaeger_remote":             "the Jaeger remote sampler is not provided",
		"parentbased_jaeger_remote": "the Jaeger remote sampler is not provided",
		"xray":                      "the AWS X-Ray sampler is not provided",
	}
)

// readSampler returns the sampler that OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG select; by default parentbased_always_on. The
// argument is read only by the ratio samplers, and defaults to 1.
func (r *envReader) readSampler() sdktrace.Sampler {
	name := r.choice(envTracesSampler, samplerParentBasedAlwaysOn, supportedSamplers, unsupportedSamplers)
	ratio := 1.0
	if name == samplerTraceIDRatio || name == samplerParentBasedTraceIDRatio {
		if v, ok := r.get(envTracesSamplerArg); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
				r.fail(envTracesSamplerArg, v, "want a sampling ratio from 0 to 1, such as 0.25", nil)
			} else {
				ratio = f
			}
		}
	}
	switch name {
	case samplerAlwaysOn:
		return sdktrace.AlwaysSample()
	case samplerAlwaysOff:
		return sdktrace.NeverSample()
	case samplerTraceIDRatio:
		return sdktrace.TraceIDRatioBased(ratio)
	case samplerParentBasedAlwaysOff:
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case samplerParentBasedTraceIDRatio:
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}
