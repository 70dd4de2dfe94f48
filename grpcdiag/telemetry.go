package grpcdiag

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/semconv/v1.37.0/rpcconv"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// instrumentationName is the instrumentation scope of the tracers and
// meters of this package.
const instrumentationName = "github.com/reprokit/reprokit/grpcdiag"

// instrumentationVersion is the instrumentation scope version.
const instrumentationVersion = "0.1.0"

// durationBuckets are the bucket boundaries, in milliseconds, of
// rpc.server.duration and rpc.client.duration: those package tracing uses
// for HTTP durations, in seconds, scaled to the unit the RPC conventions
// of semconv v1.37.0 give these metrics.
var durationBuckets = []float64{5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

// telemetry is the tracing work of one side, server or client, built once
// per constructor call. It is safe for concurrent use.
type telemetry struct {
	settings tracing.Settings
	prop     propagation.TextMapPropagator
	noop     bool // both providers are no-ops: only propagate
	client   bool
	tracer   trace.Tracer
	kind     trace.SpanStartOption
	duration metric.Float64Histogram
	methods  *methodTable
	targets  targetCache // client only
	peers    peerCache   // server only
}

// newTelemetry returns the tracing work that cfg asks for, nil if
// WithTracing was not given.
func newTelemetry(cfg config, client bool) *telemetry {
	if !cfg.traced {
		return nil
	}
	s := tracing.Resolve(cfg.tracing...)
	t := &telemetry{
		settings: s,
		prop:     s.Propagator,
		noop:     s.Noop(),
		client:   client,
		tracer: s.TracerProvider.Tracer(instrumentationName,
			trace.WithInstrumentationVersion(instrumentationVersion),
			trace.WithSchemaURL(semconv.SchemaURL)),
		kind:    trace.WithSpanKind(trace.SpanKindServer),
		methods: newMethodTable(),
	}
	meter := s.MeterProvider.Meter(instrumentationName,
		metric.WithInstrumentationVersion(instrumentationVersion),
		metric.WithSchemaURL(semconv.SchemaURL))
	buckets := metric.WithExplicitBucketBoundaries(durationBuckets...)
	if client {
		t.kind = trace.WithSpanKind(trace.SpanKindClient)
		// On error the instruments are usable no-ops; the names and
		// options are valid, so there is none.
		h, _ := rpcconv.NewClientDuration(meter, buckets)
		t.duration = h.Inst()
	} else {
		h, _ := rpcconv.NewServerDuration(meter, buckets)
		t.duration = h.Inst()
	}
	return t
}

// maxStartAttrs is the number of attributes a span starts with at most.
const maxStartAttrs = 8

// scratch holds the slices a call needs only while it starts its span:
// the SDK copies attributes and options, so they are pooled instead of
// allocated per call.
type scratch struct {
	attrs []attribute.KeyValue
	opts  []trace.SpanStartOption
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		attrs: make([]attribute.KeyValue, 0, maxStartAttrs),
		opts:  make([]trace.SpanStartOption, 0, 4),
	}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func (sc *scratch) release() {
	clear(sc.attrs[:cap(sc.attrs)])
	clear(sc.opts[:cap(sc.opts)])
	if cap(sc.attrs) > 4*maxStartAttrs {
		return
	}
	sc.attrs, sc.opts = sc.attrs[:0], sc.opts[:0]
	scratchPool.Put(sc)
}

// statusCodeAttrs are the rpc.grpc.status_code attributes of the codes
// gRPC defines, built once.
var statusCodeAttrs = func() (a [maxCode + 1]attribute.KeyValue) {
	for i := range a {
		a[i] = semconv.RPCGRPCStatusCodeKey.Int(i)
	}
	return a
}()

// extract returns ctx with the trace context and baggage of the incoming
// metadata when the peer is trusted, and the span context of an untrusted
// caller, valid only if it sent one, to be linked to.
func (t *telemetry) extract(ctx context.Context) (context.Context, trace.SpanContext) {
	carrier := &incomingCarrier{ctx: ctx}
	if t.settings.TrustsPeer(peerAddr(ctx)) {
		return t.prop.Extract(ctx, carrier), trace.SpanContext{}
	}
	// An untrusted caller's context is linked, never the parent; its
	// baggage is dropped, and the link does not carry its sampled
	// decision into ours.
	return ctx, trace.SpanContextFromContext(t.prop.Extract(context.Background(), carrier))
}

// startServer extracts the caller's context under the trust policy and
// starts the server span. ctx already holds the correlation ID.
func (t *telemetry) startServer(ctx context.Context, fullMethod string) (context.Context, trace.Span, *method) {
	m := t.methods.lookup(fullMethod)
	ctx, remote := t.extract(ctx)

	sc := getScratch()
	defer sc.release()
	attrs := append(sc.attrs, rpcSystemGRPC)
	attrs = append(attrs, m.attrs...)
	attrs = t.peers.appendPeerAttrs(attrs, ctx)
	if id, ok := correlation.FromContext(ctx); ok {
		attrs = append(attrs, tracing.CorrelationIDKey.String(id))
	}
	sc.attrs = attrs

	opts := append(sc.opts, t.kind, trace.WithAttributes(attrs...))
	if remote.IsValid() {
		opts = append(opts, trace.WithNewRoot(), trace.WithLinks(trace.Link{SpanContext: remote}))
	}
	sc.opts = opts
	ctx, span := t.tracer.Start(ctx, m.name, opts...)
	return ctx, span, m
}

// startClient starts the client span, child of the span of ctx.
func (t *telemetry) startClient(ctx context.Context, fullMethod string, cc *grpc.ClientConn) (context.Context, trace.Span, *method) {
	m := t.methods.lookup(fullMethod)

	sc := getScratch()
	defer sc.release()
	attrs := append(sc.attrs, rpcSystemGRPC)
	attrs = append(attrs, m.attrs...)
	attrs = append(attrs, t.targets.attrs(cc)...)
	if id, ok := correlation.FromContext(ctx); ok {
		attrs = append(attrs, tracing.CorrelationIDKey.String(clean(id, maxAddressLen)))
	}
	sc.attrs = attrs

	opts := append(sc.opts, t.kind, trace.WithAttributes(attrs...))
	sc.opts = opts
	ctx, span := t.tracer.Start(ctx, m.name, opts...)
	return ctx, span, m
}

// end ends the span of a call that returned err, or whose handler
// panicked with p, and records its duration.
func (t *telemetry) end(ctx context.Context, span trace.Span, m *method, start time.Time, err error, p any) {
	code := codes.OK
	recording := span.IsRecording()
	switch {
	case p != nil:
		// No status was sent; gRPC gives Unknown to an error that carries
		// none, which is what this one is counted as.
		code = codes.Unknown
		if recording {
			span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(
				semconv.ExceptionTypeKey.String(fmt.Sprintf("%T", p)),
				semconv.ExceptionMessageKey.String(clean(fmt.Sprint(p), maxMessageLen)),
				semconv.ExceptionStacktraceKey.String(string(debug.Stack())),
			))
		}
		span.SetStatus(otelcodes.Error, "panic")
	case err != nil:
		st := statusOf(err)
		code = st.Code()
		if t.isError(code) {
			span.SetStatus(otelcodes.Error, clean(st.Message(), maxMessageLen))
		}
	}
	if recording {
		if code <= maxCode {
			span.SetAttributes(statusCodeAttrs[code : code+1]...)
		} else {
			span.SetAttributes(semconv.RPCGRPCStatusCodeKey.Int(int(code)))
		}
	}
	span.End()
	t.duration.Record(ctx, float64(time.Since(start))/float64(time.Millisecond), m.series.options(code)...)
}

// statusOf returns the status of an error as gRPC sends it: its own
// status if it carries one, else Canceled or DeadlineExceeded for the
// context errors and Unknown for anything else.
func statusOf(err error) *status.Status {
	if st, ok := status.FromError(err); ok {
		return st
	}
	return status.FromContextError(err)
}

// isError reports whether a call that ended with code marks its span as an
// error. The RPC conventions mark every code but OK on the client, and on
// the server only those that mean the server failed.
func (t *telemetry) isError(code codes.Code) bool {
	if t.client {
		return code != codes.OK
	}
	switch code {
	case codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented,
		codes.Internal, codes.Unavailable, codes.DataLoss:
		return true
	}
	return false
}
