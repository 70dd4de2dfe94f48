package capture

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	lognoop "go.opentelemetry.io/otel/log/noop"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
)

// logRecorder is an sdklog.Exporter that keeps what it exports.
type logRecorder struct {
	mu   sync.Mutex // protects recs
	recs []sdklog.Record
}

var _ sdklog.Exporter = (*logRecorder)(nil)

func (r *logRecorder) Export(_ context.Context, recs []sdklog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		r.recs = append(r.recs, rec.Clone())
	}
	return nil
}

func (r *logRecorder) Shutdown(context.Context) error   { return nil }
func (r *logRecorder) ForceFlush(context.Context) error { return nil }

func (r *logRecorder) records() []sdklog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sdklog.Record(nil), r.recs...)
}

var otlpTestNow = time.Date(2025, 3, 1, 12, 30, 0, 0, time.UTC)

func newTestOTLPSink(t *testing.T) (*OTLPSink, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(rec)))
	t.Cleanup(func() { require.NoError(t, lp.Shutdown(context.Background())) })
	s := NewOTLPSink(lp)
	s.now = func() time.Time { return otlpTestNow }
	return s, rec
}

func attrMap(r sdklog.Record) map[string]any {
	m := map[string]any{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = kv.Value.AsInterface()
		return true
	})
	return m
}

func TestOTLPSinkRecord(t *testing.T) {
	s, exp := newTestOTLPSink(t)
	env := testEnv("00000000000000e1")
	rec := testRecord(1, 300, env)
	require.NoError(t, s.Write(t.Context(), rec))

	got := exp.records()
	require.Len(t, got, 2, "the snapshot, then the record")
	envLR, lr := got[0], got[1]

	assert.Equal(t, OTLPEventEnv, envLR.EventName())
	assert.Equal(t, map[string]any{"reprokit.env.id": env.ID}, attrMap(envLR))
	assert.Equal(t, env.Taken, envLR.Timestamp())

	assert.Equal(t, OTLPEventRecord, lr.EventName())
	assert.Equal(t, log.SeverityInfo, lr.Severity())
	assert.Equal(t, "INFO", lr.SeverityText())
	assert.Equal(t, rec.Start, lr.Timestamp())
	assert.Equal(t, otlpTestNow, lr.ObservedTimestamp())
	assert.Equal(t, OTLPLoggerName, lr.InstrumentationScope().Name)
	assert.Equal(t, map[string]any{
		"reprokit.capture.id":       rec.ID,
		"correlation.id":            rec.CorrelationID,
		"http.request.method":       "POST",
		"http.route":                "POST /orders/{id}",
		"http.response.status_code": int64(201),
		"reprokit.capture.reason":   ReasonRate,
		"reprokit.env.id":           env.ID,
	}, attrMap(lr))
	assert.Equal(t, rec.TraceID, lr.TraceID().String())
	assert.Equal(t, rec.SpanID, lr.SpanID().String())

	// The body is the record's line without its newline, and the two
	// bodies read back as the record with its Env.
	line, err := AppendRecord(nil, rec)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSuffix(string(line), "\n"), lr.Body().AsString())
	back, err := ReadRecords(strings.NewReader(envLR.Body().AsString() + "\n" + lr.Body().AsString()))
	require.NoError(t, err)
	require.Len(t, back, 1)
	assert.Equal(t, rec, back[0])
}

func TestOTLPSinkEnvOnce(t *testing.T) {
	s, exp := newTestOTLPSink(t)
	e1, e2 := testEnv("00000000000000e1"), testEnv("00000000000000e2")
	for i, env := range []*Env{e1, e1, nil, e2, e1, e2} {
		require.NoError(t, s.Write(t.Context(), testRecord(i, 10, env)))
	}
	var events []string
	for _, lr := range exp.records() {
		ev := lr.EventName()
		if ev == OTLPEventEnv {
			ev += " " + attrMap(lr)["reprokit.env.id"].(string)
		}
		events = append(events, ev)
	}
	assert.Equal(t, []string{
		"reprokit.env 00000000000000e1", "reprokit.capture", "reprokit.capture", "reprokit.capture",
		"reprokit.env 00000000000000e2", "reprokit.capture", "reprokit.capture", "reprokit.capture",
	}, events)
}

func TestOTLPSinkEnvSetIsBounded(t *testing.T) {
	s, _ := newTestOTLPSink(t)
	for i := range maxOTLPEnvs {
		require.True(t, s.firstSeen(fmt.Sprintf("%016x", i)))
	}
	require.False(t, s.firstSeen(fmt.Sprintf("%016x", 0)))
	require.True(t, s.firstSeen("new"), "a new ID past the bound")
	assert.Len(t, s.envs, 1, "the set started over")
	assert.True(t, s.firstSeen(fmt.Sprintf("%016x", 0)), "an ID forgotten is sent again")
}

func TestOTLPSinkSeverity(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		panic  string
		want   log.Severity
		text   string
	}{
		{name: "200", status: 200, want: log.SeverityInfo, text: "INFO"},
		{name: "404", status: 404, want: log.SeverityInfo, text: "INFO"},
		{name: "499", status: 499, want: log.SeverityInfo, text: "INFO"},
		{name: "500", status: 500, want: log.SeverityError, text: "ERROR"},
		{name: "503", status: 503, want: log.SeverityError, text: "ERROR"},
		{name: "panic", status: 200, panic: "boom", want: log.SeverityError, text: "ERROR"},
		{name: "hijacked", status: 0, want: log.SeverityInfo, text: "INFO"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, exp := newTestOTLPSink(t)
			rec := testRecord(1, 10, nil)
			rec.Response.Status, rec.Panic = tt.status, tt.panic
			require.NoError(t, s.Write(t.Context(), rec))
			got := exp.records()
			require.Len(t, got, 1)
			assert.Equal(t, tt.want, got[0].Severity())
			assert.Equal(t, tt.text, got[0].SeverityText())
			assert.Equal(t, int64(tt.status), attrMap(got[0])["http.response.status_code"])
		})
	}
}

func TestOTLPSinkTraceContext(t *testing.T) {
	other := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3},
		SpanID:  trace.SpanID{4, 5, 6},
	})
	for _, tt := range []struct {
		name             string
		traceID, spanID  string
		wantTr, wantSpan string
	}{
		{name: "both", traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7",
			wantTr: "4bf92f3577b34da6a3ce929d0e0e4736", wantSpan: "00f067aa0ba902b7"},
		{name: "none: not the context's", wantTr: "00000000000000000000000000000000", wantSpan: "0000000000000000"},
		{name: "bad hex", traceID: "zz", spanID: "4bf92f3577b34da6a3ce929d0e0e4736",
			wantTr: "00000000000000000000000000000000", wantSpan: "0000000000000000"},
		{name: "trace only", traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
			wantTr: "4bf92f3577b34da6a3ce929d0e0e4736", wantSpan: "0000000000000000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, exp := newTestOTLPSink(t)
			rec := testRecord(1, 10, nil)
			rec.TraceID, rec.SpanID = tt.traceID, tt.spanID
			ctx := trace.ContextWithSpanContext(t.Context(), other)
			require.NoError(t, s.Write(ctx, rec))
			got := exp.records()
			require.Len(t, got, 1)
			assert.Equal(t, tt.wantTr, got[0].TraceID().String())
			assert.Equal(t, tt.wantSpan, got[0].SpanID().String())
		})
	}
}

func TestOTLPSinkOptionalAttributes(t *testing.T) {
	s, exp := newTestOTLPSink(t)
	rec := testRecord(1, 10, nil)
	rec.CorrelationID, rec.Request.Route, rec.EnvID = "", "", ""
	require.NoError(t, s.Write(t.Context(), rec))
	got := exp.records()
	require.Len(t, got, 1)
	m := attrMap(got[0])
	for _, k := range []string{"correlation.id", "http.route", "reprokit.env.id"} {
		assert.NotContains(t, m, k)
	}
	assert.Len(t, m, 4)
}

func TestOTLPSinkHostileRecord(t *testing.T) {
	s, exp := newTestOTLPSink(t)
	rec := testRecord(1, 10, nil)
	rec.Schema, rec.Kind = "", ""
	rec.Request.Method = "GE\xffT"
	rec.CorrelationID = strings.Repeat("\xfe", 5000)
	rec.Request.Route = "/\r\n\x00"
	rec.Request.Body.Text = "\xff\xfe"
	require.NoError(t, s.Write(t.Context(), rec))
	assert.Empty(t, rec.Schema, "the record was modified")
	assert.Empty(t, rec.Kind, "the record was modified")

	got := exp.records()
	require.Len(t, got, 1)
	assert.True(t, utf8.ValidString(got[0].Body().AsString()))
	for k, v := range attrMap(got[0]) {
		if s, ok := v.(string); ok {
			assert.True(t, utf8.ValidString(s), k)
			assert.LessOrEqual(t, len(s), maxAttrLen, k)
		}
	}
	back, err := ReadRecords(strings.NewReader(got[0].Body().AsString()))
	require.NoError(t, err)
	require.Len(t, back, 1)
	assert.Equal(t, "\uFFFD\uFFFD", back[0].Request.Body.String())
}

func TestOTLPSinkNil(t *testing.T) {
	assert.PanicsWithValue(t, "capture: NewOTLPSink with a nil LoggerProvider", func() { NewOTLPSink(nil) })
	s, exp := newTestOTLPSink(t)
	assert.ErrorIs(t, s.Write(t.Context(), nil), ErrNilRecord)
	//lint:ignore SA1012 a nil context is what this checks
	require.NoError(t, s.Write(nil, testRecord(1, 10, nil)))
	assert.Len(t, exp.records(), 1)
}

func TestOTLPSinkDisabledLogger(t *testing.T) {
	s := NewOTLPSink(lognoop.NewLoggerProvider())
	require.NoError(t, s.Write(t.Context(), testRecord(1, 10, testEnv("00000000000000e1"))))
}
