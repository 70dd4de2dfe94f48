package capture

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/internal/safetext"
)

// The names an [OTLPSink] emits under.
const (
	// OTLPLoggerName is the name of the logger an OTLPSink takes from
	// its LoggerProvider: the instrumentation scope of its log records.
	OTLPLoggerName = "github.com/reprokit/reprokit/capture"
	// OTLPEventRecord is the event name of a log record that holds a
	// [Record].
	OTLPEventRecord = "reprokit.capture"
	// OTLPEventEnv is the event name of a log record that holds an
	// environment snapshot ([Env]).
	OTLPEventEnv = "reprokit.env"
)

// The attribute keys of an [OTLPSink]'s log records, besides those of
// the OpenTelemetry semantic conventions (http.request.method,
// http.route, http.response.status_code).
const (
	// AttrCaptureID is the record's ID.
	AttrCaptureID = attribute.Key("reprokit.capture.id")
	// AttrCaptureReason is why the request was captured (Record.Reason).
	AttrCaptureReason = attribute.Key("reprokit.capture.reason")
	// AttrEnvID is the ID of the environment snapshot.
	AttrEnvID = attribute.Key("reprokit.env.id")
	// AttrCorrelationID is the request's correlation ID.
	AttrCorrelationID = attribute.Key("correlation.id")
)

// maxAttrLen bounds the string attributes of an OTLPSink's log records,
// which come from records that may have been read from any file.
const maxAttrLen = 1024

// maxOTLPEnvs bounds the set of environment IDs an OTLPSink remembers;
// past it the set starts over, and snapshots are sent again.
const maxOTLPEnvs = 1024

// OTLPSink sends records as OpenTelemetry log records, so that captures
// travel through an OpenTelemetry Collector, or any OTLP backend, as
// traces and logs do. It is safe for concurrent use. Each record becomes
// one log record:
//
//   - event name [OTLPEventRecord], severity INFO, or ERROR for a status
//     of 500 or more or a panic;
//   - timestamp the record's Start, observed timestamp the time of Write;
//   - body the record's JSON line, as [AppendRecord] writes it without
//     the newline, which [NewDecoder] reads back;
//   - attributes [AttrCaptureID], [AttrCorrelationID] (when set),
//     http.request.method, http.route (when set),
//     http.response.status_code, [AttrCaptureReason], [AttrEnvID] (when
//     set);
//   - the trace and span IDs of the record, so that a backend shows the
//     capture with its trace.
//
// The first time the sink sees an environment snapshot's ID on a record
// with Env set, it sends the snapshot first, as a log record of event
// name [OTLPEventEnv] whose body is the snapshot's line ([AppendEnv]).
//
// The OTLPSink does not batch or retry: the LoggerProvider's processor
// does (sdklog.NewBatchProcessor). How long Write takes depends on that
// processor, so a request path should reach an OTLPSink through an
// [AsyncSink].
type OTLPSink struct {
	logger log.Logger
	now    func() time.Time

	mu   sync.Mutex          // protects envs
	envs map[string]struct{} // IDs of the snapshots sent
}

var _ Sink = (*OTLPSink)(nil)

// NewOTLPSink returns an OTLPSink emitting through the logger named
// [OTLPLoggerName] of lp. It panics if lp is nil.
func NewOTLPSink(lp log.LoggerProvider) *OTLPSink {
	if lp == nil {
		panic("capture: NewOTLPSink with a nil LoggerProvider")
	}
	return &OTLPSink{
		logger: lp.Logger(OTLPLoggerName),
		now:    time.Now,
		envs:   map[string]struct{}{},
	}
}

// Write emits rec as a log record, after its environment snapshot if
// the sink has not sent it yet. The log record carries rec's trace
// context, in place of ctx's. Write returns [ErrNilRecord] for a nil
// rec and an error if rec cannot be encoded.
func (s *OTLPSink) Write(ctx context.Context, rec *Record) error {
	if rec == nil {
		return ErrNilRecord
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx = trace.ContextWithSpanContext(ctx, recordSpanContext(rec))
	now := s.now()

	if env := recordEnv(rec); env != nil && s.firstSeen(env.ID) {
		if s.logger.Enabled(ctx, log.EnabledParameters{Severity: log.SeverityInfo, EventName: OTLPEventEnv}) {
			line, err := AppendEnv(nil, env)
			if err != nil {
				s.forget(env.ID)
				return fmt.Errorf("capture: otlp sink: %w", err)
			}
			var lr log.Record
			lr.SetEventName(OTLPEventEnv)
			lr.SetTimestamp(env.Taken)
			lr.SetObservedTimestamp(now)
			lr.SetSeverity(log.SeverityInfo)
			lr.SetSeverityText("INFO")
			lr.SetBody(attribute.StringValue(string(line[:len(line)-1])))
			lr.AddAttributes(AttrEnvID.String(safetext.Clean(env.ID, maxAttrLen)))
			s.logger.Emit(ctx, lr)
		}
	}

	sev, sevText := log.SeverityInfo, "INFO"
	if rec.Response.Status >= 500 || rec.Panic != "" {
		sev, sevText = log.SeverityError, "ERROR"
	}
	if !s.logger.Enabled(ctx, log.EnabledParameters{Severity: sev, EventName: OTLPEventRecord}) {
		return nil
	}
	line, err := appendRecordLine(nil, rec)
	if err != nil {
		return fmt.Errorf("capture: otlp sink: %w", err)
	}
	var lr log.Record
	lr.SetEventName(OTLPEventRecord)
	lr.SetTimestamp(rec.Start)
	lr.SetObservedTimestamp(now)
	lr.SetSeverity(sev)
	lr.SetSeverityText(sevText)
	lr.SetBody(attribute.StringValue(string(line[:len(line)-1])))
	lr.AddAttributes(
		AttrCaptureID.String(safetext.Clean(rec.ID, maxAttrLen)),
		semconv.HTTPRequestMethodKey.String(safetext.Clean(rec.Request.Method, maxAttrLen)),
		semconv.HTTPResponseStatusCode(rec.Response.Status),
		AttrCaptureReason.String(safetext.Clean(rec.Reason, maxAttrLen)),
	)
	if rec.CorrelationID != "" {
		lr.AddAttributes(AttrCorrelationID.String(safetext.Clean(rec.CorrelationID, maxAttrLen)))
	}
	if rec.Request.Route != "" {
		lr.AddAttributes(semconv.HTTPRoute(safetext.Clean(rec.Request.Route, maxAttrLen)))
	}
	if rec.EnvID != "" {
		lr.AddAttributes(AttrEnvID.String(safetext.Clean(rec.EnvID, maxAttrLen)))
	}
	s.logger.Emit(ctx, lr)
	return nil
}

// recordSpanContext returns the span context of rec's trace and span
// IDs; an ID that is not valid hex is left out.
func recordSpanContext(rec *Record) trace.SpanContext {
	var cfg trace.SpanContextConfig
	if id, err := trace.TraceIDFromHex(rec.TraceID); err == nil {
		cfg.TraceID = id
	}
	if id, err := trace.SpanIDFromHex(rec.SpanID); err == nil {
		cfg.SpanID = id
	}
	return trace.NewSpanContext(cfg)
}

// firstSeen reports whether id is new to the sink, and remembers it.
func (s *OTLPSink) firstSeen(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.envs[id]; ok {
		return false
	}
	if len(s.envs) >= maxOTLPEnvs {
		clear(s.envs)
	}
	s.envs[id] = struct{}{}
	return true
}

// forget undoes firstSeen, for a snapshot that could not be sent.
func (s *OTLPSink) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.envs, id)
}
