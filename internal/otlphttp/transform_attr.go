package otlphttp

import (
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
)

// keyValues transforms attributes.
func keyValues(attrs []attribute.KeyValue) []*commonpb.KeyValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make([]*commonpb.KeyValue, len(attrs))
	for i, kv := range attrs {
		out[i] = keyValue(kv)
	}
	return out
}

// setKeyValues transforms an attribute set, in its (sorted) order.
func setKeyValues(set *attribute.Set) []*commonpb.KeyValue {
	if set == nil || set.Len() == 0 {
		return nil
	}
	out := make([]*commonpb.KeyValue, 0, set.Len())
	for it := set.Iter(); it.Next(); {
		out = append(out, keyValue(it.Attribute()))
	}
	return out
}

func keyValue(kv attribute.KeyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: string(kv.Key), Value: anyValue(kv.Value)}
}

// anyValue transforms a value of any attribute type. An EMPTY value is an
// AnyValue with no value set, which OTLP defines as empty.
func anyValue(v attribute.Value) *commonpb.AnyValue {
	av := new(commonpb.AnyValue)
	switch v.Type() {
	case attribute.EMPTY:
	case attribute.BOOL:
		av.Value = &commonpb.AnyValue_BoolValue{BoolValue: v.AsBool()}
	case attribute.INT64:
		av.Value = &commonpb.AnyValue_IntValue{IntValue: v.AsInt64()}
	case attribute.FLOAT64:
		av.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}
	case attribute.STRING:
		av.Value = &commonpb.AnyValue_StringValue{StringValue: v.AsString()}
	case attribute.BYTESLICE:
		av.Value = &commonpb.AnyValue_BytesValue{BytesValue: v.AsByteSlice()}
	case attribute.BOOLSLICE:
		av.Value = arrayOf(v.AsBoolSlice(), func(b bool) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
		})
	case attribute.INT64SLICE:
		av.Value = arrayOf(v.AsInt64Slice(), func(i int64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: i}}
		})
	case attribute.FLOAT64SLICE:
		av.Value = arrayOf(v.AsFloat64Slice(), func(f float64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
		})
	case attribute.STRINGSLICE:
		av.Value = arrayOf(v.AsStringSlice(), func(s string) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
		})
	case attribute.SLICE:
		av.Value = arrayOf(v.AsSlice(), anyValue)
	case attribute.MAP:
		av.Value = &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: keyValues(v.AsMap())}}
	default:
		// A type newer than this package: keep its text rather than
		// dropping it.
		av.Value = &commonpb.AnyValue_StringValue{StringValue: v.String()}
	}
	return av
}

func arrayOf[T any](vals []T, f func(T) *commonpb.AnyValue) *commonpb.AnyValue_ArrayValue {
	out := make([]*commonpb.AnyValue, len(vals))
	for i, v := range vals {
		out[i] = f(v)
	}
	return &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: out}}
}

// resourceProto transforms a resource; nil or empty gives nil, which OTLP
// reads as an empty resource.
func resourceProto(r *resource.Resource) *resourcepb.Resource {
	if r.Len() == 0 {
		return nil
	}
	return &resourcepb.Resource{Attributes: setKeyValues(r.Set())}
}

// scopeProto transforms an instrumentation scope; its schema URL goes on
// the Scope{Spans,Metrics,Logs} message instead.
func scopeProto(s instrumentation.Scope) *commonpb.InstrumentationScope {
	return &commonpb.InstrumentationScope{
		Name:       s.Name,
		Version:    s.Version,
		Attributes: setKeyValues(&s.Attributes),
	}
}

// unixNano returns t in nanoseconds since the Unix epoch; the zero time
// and times before the epoch give 0, which OTLP reads as unset.
func unixNano(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	n := t.UnixNano()
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// count32 converts a dropped count to the uint32 OTLP carries, clamped.
func count32(n int) uint32 {
	switch {
	case n <= 0:
		return 0
	case int64(n) > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(n)
}

// sameScope reports whether two scopes are the same, attributes included.
func sameScope(a, b *instrumentation.Scope) bool {
	return a.Name == b.Name && a.Version == b.Version && a.SchemaURL == b.SchemaURL &&
		a.Attributes.Equals(&b.Attributes)
}

// sameResource reports whether two resources are the same, schema URL
// included.
func sameResource(a, b *resource.Resource) bool {
	return a == b || (a.SchemaURL() == b.SchemaURL() && a.Set().Equals(b.Set()))
}
