package otlphttp

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/reprokit/reprokit/internal/otlptest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"
)

func TestLogRoundTrip(t *testing.T) {
	ctx := testCtx(t)
	rcv := otlptest.NewReceiver(t)
	exp, err := NewLogExporter(Config{Endpoint: rcv.LogsURL()})
	if err != nil {
		t.Fatal(err)
	}
	lp := sdklog.NewLoggerProvider(
		sdklog.WithResource(testResource(t)),
		sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)),
	)
	logger := lp.Logger("logger-a", log.WithInstrumentationVersion("9.9"), log.WithSchemaURL(scopeSchema),
		log.WithInstrumentationAttributes(attribute.String("scope.k", "v")))

	tp := sdktrace.NewTracerProvider()
	sctx, span := tp.Tracer("t").Start(ctx, "with-logs")
	defer span.End()
	tid, sid := span.SpanContext().TraceID(), span.SpanContext().SpanID()

	ts := time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)
	observed := ts.Add(time.Millisecond)
	bodies := []attribute.Value{
		attribute.StringValue("plain text"),
		attribute.Int64Value(-7),
		attribute.Float64Value(0.125),
		attribute.BoolValue(true),
		attribute.ByteSliceValue([]byte("\x00bin")),
		attribute.SliceValue(attribute.StringValue("a"), attribute.Int64Value(1)),
		attribute.MapValue(attribute.String("nested", "yes"),
			attribute.Map("inner", attribute.Int64Slice("n", []int64{1, 2}))),
		{},
	}
	wantBodies := []*commonpb.AnyValue{
		strV("plain text"), intV(-7), dblV(0.125), boolV(true), bytesV([]byte("\x00bin")),
		arrV(strV("a"), intV(1)),
		mapV(kv("inner", mapV(kv("n", arrV(intV(1), intV(2))))), kv("nested", strV("yes"))),
		nil,
	}
	for i, b := range bodies {
		var r log.Record
		r.SetTimestamp(ts)
		r.SetObservedTimestamp(observed)
		r.SetSeverity(log.SeverityWarn2)
		r.SetSeverityText("WARN2")
		r.SetBody(b)
		r.AddAttributes(allTypes...)
		r.AddAttributes(attribute.Int("i", i))
		if i == 0 {
			r.SetEventName("app.started")
		}
		logger.Emit(sctx, r)
	}
	var untraced log.Record
	untraced.SetBody(attribute.StringValue("no trace"))
	lp.Logger("logger-b").Emit(ctx, untraced)

	if err := lp.Shutdown(ctx); err != nil {
		t.Fatalf("LoggerProvider.Shutdown: %v", err)
	}

	rls := rcv.Logs()
	if len(rls) != 1 {
		t.Fatalf("got %d ResourceLogs, want 1 (one batch, one resource)", len(rls))
	}
	wantResource(t, rls[0], rls[0].GetResource().GetAttributes())
	sls := rls[0].GetScopeLogs()
	if len(sls) != 2 {
		t.Fatalf("got %d ScopeLogs, want 2", len(sls))
	}
	wantScope := &commonpb.InstrumentationScope{Name: "logger-a", Version: "9.9",
		Attributes: []*commonpb.KeyValue{kv("scope.k", strV("v"))}}
	if !proto.Equal(sls[0].GetScope(), wantScope) || sls[0].GetSchemaUrl() != scopeSchema {
		t.Errorf("scope = %v %q", sls[0].GetScope(), sls[0].GetSchemaUrl())
	}
	recs := sls[0].GetLogRecords()
	if len(recs) != len(bodies) {
		t.Fatalf("got %d records, want %d", len(recs), len(bodies))
	}
	for i, r := range recs {
		if r.GetTimeUnixNano() != uint64(ts.UnixNano()) || r.GetObservedTimeUnixNano() != uint64(observed.UnixNano()) ||
			r.GetSeverityNumber() != logpb.SeverityNumber_SEVERITY_NUMBER_WARN2 || r.GetSeverityText() != "WARN2" {
			t.Errorf("record %d: time %d observed %d severity %v %q", i, r.GetTimeUnixNano(),
				r.GetObservedTimeUnixNano(), r.GetSeverityNumber(), r.GetSeverityText())
		}
		if !bytes.Equal(r.GetTraceId(), tid[:]) || !bytes.Equal(r.GetSpanId(), sid[:]) || r.GetFlags() != 1 {
			t.Errorf("record %d: trace %x span %x flags %d", i, r.GetTraceId(), r.GetSpanId(), r.GetFlags())
		}
		got, want := r.GetBody(), wantBodies[i]
		if i == 6 {
			got, want = mapSorted(got), mapSorted(want)
		}
		if !proto.Equal(got, want) {
			t.Errorf("record %d body = %v, want %v", i, r.GetBody(), wantBodies[i])
		}
		checkAllTypes(t, r.GetAttributes())
		if v := kvsByKey(r.GetAttributes())["i"]; v.GetIntValue() != int64(i) {
			t.Errorf("record %d attribute i = %v", i, v)
		}
		wantEvent := ""
		if i == 0 {
			wantEvent = "app.started"
		}
		if r.GetEventName() != wantEvent {
			t.Errorf("record %d event name = %q, want %q", i, r.GetEventName(), wantEvent)
		}
	}
	u := sls[1].GetLogRecords()[0]
	if sls[1].GetScope().GetName() != "logger-b" || u.GetBody().GetStringValue() != "no trace" ||
		u.GetTraceId() != nil || u.GetSpanId() != nil || u.GetFlags() != 0 ||
		u.GetSeverityNumber() != logpb.SeverityNumber_SEVERITY_NUMBER_UNSPECIFIED || u.GetObservedTimeUnixNano() == 0 {
		t.Errorf("untraced record = %v", u)
	}
}

func TestLogDroppedAttributesAndResources(t *testing.T) {
	ctx := testCtx(t)
	rcv := otlptest.NewReceiver(t)
	exp, err := NewLogExporter(Config{Endpoint: rcv.LogsURL()})
	if err != nil {
		t.Fatal(err)
	}
	var records []sdklog.Record
	for _, name := range []string{"r1", "r2", "r1"} {
		rec := &logRecorder{}
		lp := sdklog.NewLoggerProvider(
			sdklog.WithResource(resource.NewSchemaless(attribute.String("service.name", name))),
			sdklog.WithProcessor(sdklog.NewSimpleProcessor(rec)),
			sdklog.WithAttributeCountLimit(1),
		)
		var r log.Record
		r.AddAttributes(attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3))
		r.SetSeverity(log.Severity(99))
		lp.Logger("s").Emit(ctx, r)
		records = append(records, rec.records...)
	}
	if err := exp.Export(ctx, records); err != nil {
		t.Fatal(err)
	}
	rls := rcv.Logs()
	if len(rls) != 2 || len(rls[0].GetScopeLogs()[0].GetLogRecords()) != 2 {
		t.Fatalf("got %v, want r1 (2 records) then r2", rls)
	}
	r := rls[0].GetScopeLogs()[0].GetLogRecords()[0]
	if r.GetDroppedAttributesCount() != 2 || len(r.GetAttributes()) != 1 ||
		r.GetSeverityNumber() != logpb.SeverityNumber_SEVERITY_NUMBER_UNSPECIFIED {
		t.Errorf("record = %v, want 1 attribute, 2 dropped, unspecified severity", r)
	}
	if err := exp.Export(ctx, nil); err != nil {
		t.Errorf("Export(nil) = %v", err)
	}
	if err := exp.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush = %v", err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := exp.Export(ctx, records); !errors.Is(err, ErrShutdown) || !errors.Is(err, sdklog.ErrExporterShutdown) {
		t.Errorf("Export after Shutdown = %v", err)
	}
	if n := rcv.RequestCount(); n != 1 {
		t.Errorf("receiver got %d requests, want 1", n)
	}
}

// logRecorder is a log Exporter that keeps clones of what it is given.
type logRecorder struct{ records []sdklog.Record }

func (r *logRecorder) Export(_ context.Context, rs []sdklog.Record) error {
	for _, rec := range rs {
		r.records = append(r.records, rec.Clone())
	}
	return nil
}
func (r *logRecorder) Shutdown(context.Context) error   { return nil }
func (r *logRecorder) ForceFlush(context.Context) error { return nil }
