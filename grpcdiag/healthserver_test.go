package grpcdiag_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
)

// Trailer keys by which the test health server reports what its handler
// saw, so that each call can be checked on its own, concurrently.
const (
	trailerID      = "seen-id"         // correlation.FromContext in the handler
	trailerValues  = "seen-key-values" // how many values of the ID key the handler's incoming metadata holds
	trailerTraceID = "seen-trace-id"   // the trace ID of the handler's span, if any
	trailerSpanID  = "seen-span-id"    // the span ID of the handler's span, if any
	trailerBaggage = "seen-baggage"    // the handler's baggage, if any
	trailerDebug   = "seen-debug"      // the handler's debug decision, "mode/reason", if any
)

// Service names that make the test health server fail the call with a
// given status, before Watch sends anything.
const (
	serviceInternal = "fail-internal" // codes.Internal
	serviceNotFound = "fail-notfound" // codes.NotFound
)

// failure returns the error the handlers return for a request naming
// service, nil for success.
func failure(service string) error {
	switch service {
	case serviceInternal:
		return status.Error(codes.Internal, "internal failure")
	case serviceNotFound:
		return status.Error(codes.NotFound, "no such service")
	}
	return nil
}

// watchMessages is how many messages Watch sends before it returns.
const watchMessages = 3

var errShortWatch = errors.New("watch: wrong number of messages")

// healthServer implements the standard health service. Its handlers read
// the correlation ID from their context, log through the correlation log
// handler (a debug line, then an info line), and report what they saw in
// the trailer. With next, Check and Watch make the same call to next with
// their context, as a service that calls another.
type healthServer struct {
	healthpb.UnimplementedHealthServer
	logger *slog.Logger
	key    string                // metadata key of the ID
	next   healthpb.HealthClient // nil: no downstream call
}

func (h *healthServer) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	h.logger.DebugContext(ctx, "check detail")
	h.logger.InfoContext(ctx, "check")
	if err := grpc.SetTrailer(ctx, h.seen(ctx)); err != nil {
		return nil, err
	}
	if h.next != nil {
		if _, err := h.next.Check(ctx, req); err != nil {
			return nil, err
		}
	}
	if err := failure(req.GetService()); err != nil {
		return nil, err
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func (h *healthServer) Watch(req *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	ctx := stream.Context()
	h.logger.DebugContext(ctx, "watch detail")
	h.logger.InfoContext(ctx, "watch")
	stream.SetTrailer(h.seen(ctx))
	if err := failure(req.GetService()); err != nil {
		return err
	}
	if h.next != nil {
		if err := drain(h.next.Watch(ctx, req)); err != nil {
			return err
		}
	}
	for range watchMessages {
		if err := stream.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}); err != nil {
			return err
		}
	}
	return nil
}

// drain reads a Watch stream to its end, and returns its error, nil for
// io.EOF.
func drain(stream healthpb.Health_WatchClient, err error) error {
	if err != nil {
		return err
	}
	for {
		if _, err := stream.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func (h *healthServer) seen(ctx context.Context) metadata.MD {
	id, _ := correlation.FromContext(ctx)
	n := len(metadata.ValueFromIncomingContext(ctx, h.key))
	md := metadata.Pairs(trailerID, id, trailerValues, strconv.Itoa(n))
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		md.Set(trailerTraceID, sc.TraceID().String())
		md.Set(trailerSpanID, sc.SpanID().String())
	}
	if b := baggage.FromContext(ctx).String(); b != "" {
		md.Set(trailerBaggage, b)
	}
	if d, ok := debugsample.FromContext(ctx); ok {
		md.Set(trailerDebug, d.Mode.String()+"/"+d.Reason.String())
	}
	return md
}

// env is a real gRPC server on 127.0.0.1:0 with the health service behind
// the grpcdiag server interceptors, and a client through the client ones.
type env struct {
	logs    *syncBuffer // the handlers' JSON log
	libLogs *syncBuffer // grpcdiag's own warnings, server and client
	stats   *correlation.Stats
	conn    *grpc.ClientConn
	health  healthpb.HealthClient
	key     string
	addr    string // the server's address, host:port
}

// envConfig configures newEnv. Its zero value is a default server and
// client.
type envConfig struct {
	server     []grpcdiag.Option
	client     []grpcdiag.Option
	grpcServer []grpc.ServerOption
	key        string                // metadata key the handlers look at; DefaultMetadataKey if empty
	debugLog   bool                  // the handlers log through debugsample.NewLogHandler
	next       healthpb.HealthClient // Check calls it first; nil for none
}

// newEnv starts the server and connects the client; both are stopped when
// the test ends.
func newEnv(t testing.TB, c envConfig) *env {
	t.Helper()
	e := &env{
		logs:    new(syncBuffer),
		libLogs: new(syncBuffer),
		stats:   new(correlation.Stats),
		key:     c.key,
	}
	if e.key == "" {
		e.key = grpcdiag.DefaultMetadataKey
	}
	lib := grpcdiag.WithLogger(libLogger(e.libLogs))

	sopts := append([]grpcdiag.Option{lib, grpcdiag.WithCorrelation(correlation.WithStats(e.stats))}, c.server...)
	srv := grpc.NewServer(append(grpcdiag.ServerOptions(sopts...), c.grpcServer...)...)
	logger := handlerLogger(e.logs)
	if c.debugLog {
		logger = debugLogger(e.logs)
	}
	healthpb.RegisterHealthServer(srv, &healthServer{logger: logger, key: e.key, next: c.next})

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.addr = lis.Addr().String()
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-served
	})

	copts := append([]grpcdiag.Option{lib}, c.client...)
	conn, err := grpc.NewClient(lis.Addr().String(),
		append(grpcdiag.DialOptions(copts...), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	e.conn = conn
	e.health = healthpb.NewHealthClient(conn)
	return e
}

// callResult is what the client saw of one call.
type callResult struct {
	header  metadata.MD
	trailer metadata.MD
	err     error
}

// echoed returns the ID of the response header, "" if absent or repeated.
func (r callResult) echoed(key string) string {
	if v := r.header.Get(key); len(v) == 1 {
		return v[0]
	}
	return ""
}

// seenID returns the ID the handler saw.
func (r callResult) seenID() string {
	if v := r.trailer.Get(trailerID); len(v) == 1 {
		return v[0]
	}
	return ""
}

// seen returns the value of a trailer key the handler set, "" if none.
func (r callResult) seen(key string) string {
	if v := r.trailer.Get(key); len(v) == 1 {
		return v[0]
	}
	return ""
}

// seenValues returns how many values of the ID key the handler saw in its
// incoming metadata, or -1 if it did not say.
func (r callResult) seenValues() int {
	if v := r.trailer.Get(trailerValues); len(v) == 1 {
		n, err := strconv.Atoi(v[0])
		if err == nil {
			return n
		}
	}
	return -1
}

// check makes a unary Check call.
func (e *env) check(ctx context.Context) callResult { return e.checkService(ctx, "") }

// checkService makes a unary Check call for service, which may name one
// of the failures.
func (e *env) checkService(ctx context.Context, service string) callResult {
	var r callResult
	_, r.err = e.health.Check(ctx, &healthpb.HealthCheckRequest{Service: service}, grpc.Header(&r.header), grpc.Trailer(&r.trailer))
	return r
}

// watch makes a server-streaming Watch call and reads it to the end.
func (e *env) watch(ctx context.Context) callResult { return e.watchService(ctx, "") }

// watchService makes a server-streaming Watch call for service, which may
// name one of the failures, and reads it to the end.
func (e *env) watchService(ctx context.Context, service string) callResult {
	var r callResult
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := e.health.Watch(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		r.err = err
		return r
	}
	r.header, r.err = stream.Header()
	if r.err != nil {
		return r
	}
	n := 0
	for {
		if _, err := stream.Recv(); err != nil {
			if !errors.Is(err, io.EOF) {
				r.err = err
			}
			break
		}
		n++
	}
	r.trailer = stream.Trailer()
	if r.err == nil && n != watchMessages {
		r.err = errShortWatch
	}
	return r
}
