package otlphttp

import (
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// resourceSpans transforms spans, grouped by resource then scope.
func resourceSpans(spans []sdktrace.ReadOnlySpan) []*tracepb.ResourceSpans {
	var g grouper[sdktrace.ReadOnlySpan]
	for _, s := range spans {
		if s == nil {
			continue
		}
		g.add(s.Resource(), s.InstrumentationScope(), s)
	}
	out := make([]*tracepb.ResourceSpans, 0, len(g.resources))
	for _, rg := range g.resources {
		rs := &tracepb.ResourceSpans{
			Resource:   resourceProto(rg.res),
			ScopeSpans: make([]*tracepb.ScopeSpans, 0, len(rg.scopes)),
			SchemaUrl:  rg.res.SchemaURL(),
		}
		for _, sg := range rg.scopes {
			ss := &tracepb.ScopeSpans{
				Scope:     scopeProto(sg.scope),
				Spans:     make([]*tracepb.Span, len(sg.items)),
				SchemaUrl: sg.scope.SchemaURL,
			}
			for i, s := range sg.items {
				ss.Spans[i] = spanProto(s)
			}
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
		out = append(out, rs)
	}
	return out
}

func spanProto(s sdktrace.ReadOnlySpan) *tracepb.Span {
	sc := s.SpanContext()
	parent := s.Parent()
	p := &tracepb.Span{
		TraceId:                traceID(sc.TraceID()),
		SpanId:                 spanID(sc.SpanID()),
		TraceState:             sc.TraceState().String(),
		Flags:                  spanFlags(sc.TraceFlags(), parent.IsRemote()),
		Name:                   s.Name(),
		Kind:                   spanKind(s.SpanKind()),
		StartTimeUnixNano:      unixNano(s.StartTime()),
		EndTimeUnixNano:        unixNano(s.EndTime()),
		Attributes:             keyValues(s.Attributes()),
		DroppedAttributesCount: count32(s.DroppedAttributes()),
		DroppedEventsCount:     count32(s.DroppedEvents()),
		DroppedLinksCount:      count32(s.DroppedLinks()),
		Status:                 statusProto(s.Status()),
	}
	if parent.SpanID().IsValid() {
		p.ParentSpanId = spanID(parent.SpanID())
	}
	if events := s.Events(); len(events) > 0 {
		p.Events = make([]*tracepb.Span_Event, len(events))
		for i, e := range events {
			p.Events[i] = &tracepb.Span_Event{
				TimeUnixNano:           unixNano(e.Time),
				Name:                   e.Name,
				Attributes:             keyValues(e.Attributes),
				DroppedAttributesCount: count32(e.DroppedAttributeCount),
			}
		}
	}
	if links := s.Links(); len(links) > 0 {
		p.Links = make([]*tracepb.Span_Link, len(links))
		for i, l := range links {
			p.Links[i] = &tracepb.Span_Link{
				TraceId:                traceID(l.SpanContext.TraceID()),
				SpanId:                 spanID(l.SpanContext.SpanID()),
				TraceState:             l.SpanContext.TraceState().String(),
				Attributes:             keyValues(l.Attributes),
				DroppedAttributesCount: count32(l.DroppedAttributeCount),
				Flags:                  spanFlags(l.SpanContext.TraceFlags(), l.SpanContext.IsRemote()),
			}
		}
	}
	return p
}

func traceID(id trace.TraceID) []byte { return append([]byte(nil), id[:]...) }

func spanID(id trace.SpanID) []byte { return append([]byte(nil), id[:]...) }

// spanFlags returns Span.flags or Span.Link.flags: the W3C trace flags in
// bits 0-7, bit 8 set to say that bit 9 is known, and bit 9 set when the
// context it describes (the parent of a span, the target of a link) is
// remote.
func spanFlags(tf trace.TraceFlags, remote bool) uint32 {
	f := uint32(tf) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if remote {
		f |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	return f
}

func spanKind(k trace.SpanKind) tracepb.Span_SpanKind {
	switch k {
	case trace.SpanKindInternal:
		return tracepb.Span_SPAN_KIND_INTERNAL
	case trace.SpanKindServer:
		return tracepb.Span_SPAN_KIND_SERVER
	case trace.SpanKindClient:
		return tracepb.Span_SPAN_KIND_CLIENT
	case trace.SpanKindProducer:
		return tracepb.Span_SPAN_KIND_PRODUCER
	case trace.SpanKindConsumer:
		return tracepb.Span_SPAN_KIND_CONSUMER
	}
	return tracepb.Span_SPAN_KIND_UNSPECIFIED
}

func statusProto(s sdktrace.Status) *tracepb.Status {
	p := &tracepb.Status{Message: s.Description}
	switch s.Code {
	case codes.Ok:
		p.Code = tracepb.Status_STATUS_CODE_OK
	case codes.Error:
		p.Code = tracepb.Status_STATUS_CODE_ERROR
	default:
		p.Code = tracepb.Status_STATUS_CODE_UNSET
	}
	return p
}
