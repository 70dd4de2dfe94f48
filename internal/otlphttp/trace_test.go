package otlphttp

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/reprokit/reprokit/internal/otlptest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

const (
	resourceSchema = "https://opentelemetry.io/schemas/1.26.0"
	scopeSchema    = "https://example.com/scope-schema"
)

func testResource(t *testing.T) *resource.Resource {
	t.Helper()
	return resource.NewWithAttributes(resourceSchema,
		attribute.String("service.name", "otlphttp-test"),
		attribute.Int64("service.instance.num", 7),
	)
}

func wantResource(t *testing.T, rs interface {
	GetSchemaUrl() string
}, attrs []*commonpb.KeyValue) {
	t.Helper()
	if got := rs.GetSchemaUrl(); got != resourceSchema {
		t.Errorf("resource schema URL = %q, want %q", got, resourceSchema)
	}
	want := []*commonpb.KeyValue{
		{Key: "service.instance.num", Value: intV(7)},
		{Key: "service.name", Value: strV("otlphttp-test")},
	}
	if !equalKVs(attrs, want) {
		t.Errorf("resource attributes = %v, want %v", attrs, want)
	}
}

func strV(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}
func intV(i int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: i}}
}
func dblV(f float64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}
func boolV(b bool) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
}
func bytesV(b []byte) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: b}}
}
func arrV(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}
func mapV(kvs ...*commonpb.KeyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: kvs}}}
}
func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

func equalKVs(a, b []*commonpb.KeyValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// allTypes are attributes of every attribute type, and wantAllTypes their
// OTLP form.
var allTypes = []attribute.KeyValue{
	attribute.Bool("bool", true),
	attribute.Int64("int", -42),
	attribute.Float64("float", 2.5),
	attribute.String("string", "héllo"),
	attribute.BoolSlice("bools", []bool{true, false}),
	attribute.Int64Slice("ints", []int64{1, -2}),
	attribute.Float64Slice("floats", []float64{0.5, -1.5}),
	attribute.StringSlice("strings", []string{"a", ""}),
	attribute.ByteSlice("bytes", []byte{0, 1, 0xff}),
	attribute.Slice("slice", attribute.StringValue("x"), attribute.Int64Value(3),
		attribute.SliceValue(attribute.BoolValue(false))),
	attribute.Map("map", attribute.String("k", "v"), attribute.Float64("f", 1)),
	{Key: "empty"},
}

func wantAllTypes() []*commonpb.KeyValue {
	return []*commonpb.KeyValue{
		kv("bool", boolV(true)),
		kv("int", intV(-42)),
		kv("float", dblV(2.5)),
		kv("string", strV("héllo")),
		kv("bools", arrV(boolV(true), boolV(false))),
		kv("ints", arrV(intV(1), intV(-2))),
		kv("floats", arrV(dblV(0.5), dblV(-1.5))),
		kv("strings", arrV(strV("a"), strV(""))),
		kv("bytes", bytesV([]byte{0, 1, 0xff})),
		kv("slice", arrV(strV("x"), intV(3), arrV(boolV(false)))),
		kv("map", mapV(kv("f", dblV(1)), kv("k", strV("v")))),
		kv("empty", &commonpb.AnyValue{}),
	}
}

// kvsByKey indexes attributes by key, for comparisons that ignore order.
func kvsByKey(kvs []*commonpb.KeyValue) map[string]*commonpb.AnyValue {
	m := make(map[string]*commonpb.AnyValue, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = kv.GetValue()
	}
	return m
}

func checkAllTypes(t *testing.T, got []*commonpb.KeyValue) {
	t.Helper()
	g := kvsByKey(got)
	for _, w := range wantAllTypes() {
		gv, ok := g[w.Key]
		if !ok {
			t.Errorf("attribute %q missing", w.Key)
			continue
		}
		// A map's order is not preserved by the SDK; compare as sets.
		if w.Key == "map" {
			if !proto.Equal(mapSorted(gv), mapSorted(w.Value)) {
				t.Errorf("attribute %q = %v, want %v", w.Key, gv, w.Value)
			}
			continue
		}
		if !proto.Equal(gv, w.Value) {
			t.Errorf("attribute %q = %v, want %v", w.Key, gv, w.Value)
		}
	}
}

func mapSorted(v *commonpb.AnyValue) *commonpb.AnyValue {
	c := proto.Clone(v).(*commonpb.AnyValue)
	vals := c.GetKvlistValue().GetValues()
	for i := 1; i < len(vals); i++ {
		for j := i; j > 0 && vals[j].Key < vals[j-1].Key; j-- {
			vals[j], vals[j-1] = vals[j-1], vals[j]
		}
	}
	return c
}

func TestTraceRoundTrip(t *testing.T) {
	for _, compression := range []string{"", CompressionGzip} {
		t.Run("compression="+compression, func(t *testing.T) {
			testTraceRoundTrip(t, compression)
		})
	}
}

func testTraceRoundTrip(t *testing.T, compression string) {
	ctx := testCtx(t)
	rcv := otlptest.NewReceiver(t)
	exp, err := NewTraceExporter(Config{Endpoint: rcv.TracesURL(), Compression: compression})
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSyncer(exp),
		sdktrace.WithResource(testResource(t)),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{
			AttributeValueLengthLimit:   -1,
			AttributeCountLimit:         20,
			EventCountLimit:             2,
			LinkCountLimit:              2,
			AttributePerEventCountLimit: 2,
			AttributePerLinkCountLimit:  2,
		}),
	)
	tracer := tp.Tracer("scope-a",
		trace.WithInstrumentationVersion("1.2.3"),
		trace.WithSchemaURL(scopeSchema),
		trace.WithInstrumentationAttributes(attribute.String("scope.attr", "sv")),
	)

	ts, err := trace.ParseTraceState("vendor=value,other=x")
	if err != nil {
		t.Fatal(err)
	}
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10},
		SpanID:     trace.SpanID{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8},
		TraceFlags: trace.FlagsSampled,
		TraceState: ts,
		Remote:     true,
	})
	linkTS, _ := trace.ParseTraceState("lk=lv")
	linked := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{0xff, 0xee},
		SpanID:     trace.SpanID{0x0b},
		TraceFlags: 0,
		TraceState: linkTS,
		Remote:     true,
	})
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	end := start.Add(1500 * time.Millisecond)
	evTime := start.Add(time.Second)

	sctx, server := tracer.Start(trace.ContextWithRemoteSpanContext(ctx, remote), "server-span",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithTimestamp(start),
		trace.WithAttributes(allTypes...),
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("link.k", "lv")}}),
	)
	server.AddEvent("ev1", trace.WithTimestamp(evTime), trace.WithAttributes(attribute.Int("ev.n", 1)))
	server.SetStatus(codes.Error, "boom")

	_, child := tracer.Start(sctx, "child-span", trace.WithSpanKind(trace.SpanKindClient))
	child.SetStatus(codes.Ok, "")
	child.End()
	server.End(trace.WithTimestamp(end))

	// Limits: 3 events, 3 links, 3 event attributes and 21 attributes
	// each exceed their limit by one.
	many := make([]attribute.KeyValue, 21)
	for i := range many {
		many[i] = attribute.Int(string(rune('a'+i)), i)
	}
	_, limited := tracer.Start(ctx, "limited-span",
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(many...),
		trace.WithLinks(trace.Link{SpanContext: linked}, trace.Link{SpanContext: linked},
			trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.Int("x", 1)}}),
	)
	// The SDK keeps the last events, so the one with too many attributes
	// goes last.
	limited.AddEvent("e1")
	limited.AddEvent("e2")
	limited.AddEvent("e3", trace.WithAttributes(attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3)))
	limited.End()

	other := tp.Tracer("scope-b")
	_, consumer := other.Start(ctx, "consumer-span", trace.WithSpanKind(trace.SpanKindConsumer))
	consumer.End()

	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("TracerProvider.Shutdown: %v", err)
	}
	if n := rcv.RequestCount(); n != 4 {
		t.Fatalf("receiver got %d requests, want 4 (one per span with a syncer)", n)
	}
	for _, req := range rcv.Requests() {
		if req.Gzipped != (compression == CompressionGzip) {
			t.Errorf("request gzipped = %v, want %v", req.Gzipped, compression == CompressionGzip)
		}
		if got := req.Header.Get("Content-Type"); got != "application/x-protobuf" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := req.Header.Get("User-Agent"); got != UserAgent {
			t.Errorf("User-Agent = %q, want %q", got, UserAgent)
		}
	}

	byName := map[string]*tracepb.Span{}
	scopes := map[string]*tracepb.ScopeSpans{}
	for _, rs := range rcv.Spans() {
		wantResource(t, rs, rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				byName[s.GetName()] = s
				scopes[s.GetName()] = ss
			}
		}
	}

	srv := byName["server-span"]
	if srv == nil {
		t.Fatalf("server-span missing; got %v", rcv.SpanNames())
	}
	ss := scopes["server-span"]
	wantScope := &commonpb.InstrumentationScope{Name: "scope-a", Version: "1.2.3",
		Attributes: []*commonpb.KeyValue{kv("scope.attr", strV("sv"))}}
	if !proto.Equal(ss.GetScope(), wantScope) || ss.GetSchemaUrl() != scopeSchema {
		t.Errorf("scope = %v schema %q, want %v schema %q", ss.GetScope(), ss.GetSchemaUrl(), wantScope, scopeSchema)
	}
	sc := server.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	rtid, rsid := remote.TraceID(), remote.SpanID()
	ltid, lsid := linked.TraceID(), linked.SpanID()
	checks := []struct {
		name      string
		got, want any
	}{
		{"trace ID", srv.GetTraceId(), rtid[:]},
		{"trace ID matches span", srv.GetTraceId(), tid[:]},
		{"span ID", srv.GetSpanId(), sid[:]},
		{"parent span ID", srv.GetParentSpanId(), rsid[:]},
		{"trace state", srv.GetTraceState(), "vendor=value,other=x"},
		{"flags", srv.GetFlags(), uint32(0x01 | 0x100 | 0x200)},
		{"kind", srv.GetKind(), tracepb.Span_SPAN_KIND_SERVER},
		{"start", srv.GetStartTimeUnixNano(), uint64(start.UnixNano())},
		{"end", srv.GetEndTimeUnixNano(), uint64(end.UnixNano())},
		{"status code", srv.GetStatus().GetCode(), tracepb.Status_STATUS_CODE_ERROR},
		{"status message", srv.GetStatus().GetMessage(), "boom"},
		{"dropped attributes", srv.GetDroppedAttributesCount(), uint32(0)},
		{"events", len(srv.GetEvents()), 1},
		{"event name", srv.GetEvents()[0].GetName(), "ev1"},
		{"event time", srv.GetEvents()[0].GetTimeUnixNano(), uint64(evTime.UnixNano())},
		{"links", len(srv.GetLinks()), 1},
		{"link trace ID", srv.GetLinks()[0].GetTraceId(), ltid[:]},
		{"link span ID", srv.GetLinks()[0].GetSpanId(), lsid[:]},
		{"link trace state", srv.GetLinks()[0].GetTraceState(), "lk=lv"},
		{"link flags", srv.GetLinks()[0].GetFlags(), uint32(0x100 | 0x200)},
	}
	for _, c := range checks {
		if !equalAny(c.got, c.want) {
			t.Errorf("server-span %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	checkAllTypes(t, srv.GetAttributes())
	if !equalKVs(srv.GetEvents()[0].GetAttributes(), []*commonpb.KeyValue{kv("ev.n", intV(1))}) {
		t.Errorf("event attributes = %v", srv.GetEvents()[0].GetAttributes())
	}
	if !equalKVs(srv.GetLinks()[0].GetAttributes(), []*commonpb.KeyValue{kv("link.k", strV("lv"))}) {
		t.Errorf("link attributes = %v", srv.GetLinks()[0].GetAttributes())
	}

	ch := byName["child-span"]
	csid := child.SpanContext().SpanID()
	if !bytes.Equal(ch.GetParentSpanId(), sid[:]) || !bytes.Equal(ch.GetTraceId(), tid[:]) ||
		!bytes.Equal(ch.GetSpanId(), csid[:]) {
		t.Errorf("child-span IDs = trace %x span %x parent %x", ch.GetTraceId(), ch.GetSpanId(), ch.GetParentSpanId())
	}
	if ch.GetFlags() != 0x01|0x100 {
		t.Errorf("child-span flags = %#x, want local parent %#x", ch.GetFlags(), 0x101)
	}
	if ch.GetKind() != tracepb.Span_SPAN_KIND_CLIENT || ch.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_OK {
		t.Errorf("child-span kind %v status %v", ch.GetKind(), ch.GetStatus())
	}

	lim := byName["limited-span"]
	if len(lim.GetParentSpanId()) != 0 {
		t.Errorf("root span has parent %x", lim.GetParentSpanId())
	}
	if got := [...]uint32{lim.GetDroppedAttributesCount(), lim.GetDroppedEventsCount(), lim.GetDroppedLinksCount(),
		lim.GetEvents()[1].GetDroppedAttributesCount(), uint32(lim.GetStatus().GetCode())}; got != [...]uint32{1, 1, 1, 1, 0} {
		t.Errorf("limited-span dropped attrs/events/links/event attrs, status = %v, want [1 1 1 1 0]", got)
	}
	if lim.GetKind() != tracepb.Span_SPAN_KIND_PRODUCER {
		t.Errorf("limited-span kind = %v", lim.GetKind())
	}

	cons := byName["consumer-span"]
	if cons.GetKind() != tracepb.Span_SPAN_KIND_CONSUMER || scopes["consumer-span"].GetScope().GetName() != "scope-b" {
		t.Errorf("consumer-span kind %v scope %v", cons.GetKind(), scopes["consumer-span"].GetScope())
	}
}

func equalAny(a, b any) bool {
	if ab, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && bytes.Equal(ab, bb)
	}
	return a == b
}

// TestResourceSpansGrouping checks that spans are grouped by resource
// then scope, in first-seen order, in one request.
func TestResourceSpansGrouping(t *testing.T) {
	ctx := testCtx(t)
	rcv := otlptest.NewReceiver(t)
	exp, err := NewTraceExporter(Config{Endpoint: rcv.TracesURL()})
	if err != nil {
		t.Fatal(err)
	}
	shutdownOnCleanup(t, exp)

	var spans []sdktrace.ReadOnlySpan
	for _, res := range []*resource.Resource{
		resource.NewSchemaless(attribute.String("r", "1")),
		resource.NewSchemaless(attribute.String("r", "2")),
	} {
		rec := newRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(rec), sdktrace.WithResource(res))
		for _, scope := range []string{"s1", "s2", "s1"} {
			_, s := tp.Tracer(scope).Start(ctx, res.Attributes()[0].Value.AsString()+"/"+scope)
			s.End()
		}
		spans = append(spans, rec.spans...)
	}
	if err := exp.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	got := rcv.Spans()
	if len(got) != 2 {
		t.Fatalf("got %d ResourceSpans, want 2", len(got))
	}
	for i, rs := range got {
		var shape []string
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				shape = append(shape, ss.GetScope().GetName()+":"+s.GetName())
			}
		}
		r := string(rune('1' + i))
		want := []string{"s1:" + r + "/s1", "s1:" + r + "/s1", "s2:" + r + "/s2"}
		if len(shape) != 3 || shape[0] != want[0] || shape[1] != want[1] || shape[2] != want[2] {
			t.Errorf("resource %d: got %v, want %v", i, shape, want)
		}
	}
}

// recorder is a SpanExporter that keeps what it is given.
type recorder struct{ spans []sdktrace.ReadOnlySpan }

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) ExportSpans(_ context.Context, s []sdktrace.ReadOnlySpan) error {
	r.spans = append(r.spans, s...)
	return nil
}
func (r *recorder) Shutdown(context.Context) error { return nil }
