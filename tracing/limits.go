package tracing

import (
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// limitSettings are the attribute, event and link limits of the
// specification's OTEL_*_LIMIT variables. A negative value means no limit.
type limitSettings struct {
	span         sdktrace.SpanLimits
	logAttrCount int
	logValueLen  int
}

// readLimits reads the limits: the signal-specific variables
// (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT, …)
// over the general ones (OTEL_ATTRIBUTE_COUNT_LIMIT,
// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT) over the defaults: 128 attributes,
// events and links, and no limit on value length.
func (r *envReader) readLimits() limitSettings {
	count := r.nonNegativeInt("OTEL_ATTRIBUTE_COUNT_LIMIT", sdktrace.DefaultAttributeCountLimit)
	length := r.nonNegativeInt("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", sdktrace.DefaultAttributeValueLengthLimit)
	return limitSettings{
		span: sdktrace.SpanLimits{
			AttributeValueLengthLimit:   r.nonNegativeInt("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", length),
			AttributeCountLimit:         r.nonNegativeInt("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", count),
			EventCountLimit:             r.nonNegativeInt("OTEL_SPAN_EVENT_COUNT_LIMIT", sdktrace.DefaultEventCountLimit),
			LinkCountLimit:              r.nonNegativeInt("OTEL_SPAN_LINK_COUNT_LIMIT", sdktrace.DefaultLinkCountLimit),
			AttributePerEventCountLimit: r.nonNegativeInt("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", sdktrace.DefaultAttributePerEventCountLimit),
			AttributePerLinkCountLimit:  r.nonNegativeInt("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", sdktrace.DefaultAttributePerLinkCountLimit),
		},
		logAttrCount: r.nonNegativeInt("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", count),
		logValueLen:  r.nonNegativeInt("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", length),
	}
}

// loggerOptions returns the log record limits as provider options.
func (l limitSettings) loggerOptions() []sdklog.LoggerProviderOption {
	return []sdklog.LoggerProviderOption{
		sdklog.WithAttributeCountLimit(l.logAttrCount),
		sdklog.WithAttributeValueLengthLimit(l.logValueLen),
	}
}
