package otlphttp

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
)

// resourceLogs transforms records, grouped by resource then scope.
func resourceLogs(records []sdklog.Record) []*logpb.ResourceLogs {
	var g grouper[*sdklog.Record]
	for i := range records {
		r := &records[i]
		g.add(r.Resource(), r.InstrumentationScope(), r)
	}
	out := make([]*logpb.ResourceLogs, 0, len(g.resources))
	for _, rg := range g.resources {
		rl := &logpb.ResourceLogs{
			Resource:  resourceProto(rg.res),
			ScopeLogs: make([]*logpb.ScopeLogs, 0, len(rg.scopes)),
			SchemaUrl: rg.res.SchemaURL(),
		}
		for _, sg := range rg.scopes {
			sl := &logpb.ScopeLogs{
				Scope:      scopeProto(sg.scope),
				LogRecords: make([]*logpb.LogRecord, len(sg.items)),
				SchemaUrl:  sg.scope.SchemaURL,
			}
			for i, r := range sg.items {
				sl.LogRecords[i] = logRecordProto(r)
			}
			rl.ScopeLogs = append(rl.ScopeLogs, sl)
		}
		out = append(out, rl)
	}
	return out
}

func logRecordProto(r *sdklog.Record) *logpb.LogRecord {
	p := &logpb.LogRecord{
		TimeUnixNano:           unixNano(r.Timestamp()),
		ObservedTimeUnixNano:   unixNano(r.ObservedTimestamp()),
		SeverityNumber:         severityNumber(r.Severity()),
		SeverityText:           r.SeverityText(),
		DroppedAttributesCount: count32(r.DroppedAttributes()),
		Flags:                  uint32(r.TraceFlags()),
		EventName:              r.EventName(),
	}
	if body := r.Body(); body.Type() != attribute.EMPTY {
		p.Body = anyValue(body)
	}
	if n := r.AttributesLen(); n > 0 {
		p.Attributes = make([]*commonpb.KeyValue, 0, n)
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			p.Attributes = append(p.Attributes, keyValue(kv))
			return true
		})
	}
	if id := r.TraceID(); id.IsValid() {
		p.TraceId = traceID(id)
	}
	if id := r.SpanID(); id.IsValid() {
		p.SpanId = spanID(id)
	}
	return p
}

// severityNumber maps a log severity to OTLP's, which numbers the same 24
// levels the same way; anything else is unspecified.
func severityNumber(s log.Severity) logpb.SeverityNumber {
	if s < log.SeverityTrace1 || s > log.SeverityFatal4 {
		return logpb.SeverityNumber_SEVERITY_NUMBER_UNSPECIFIED
	}
	return logpb.SeverityNumber(s)
}
