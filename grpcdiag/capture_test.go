package grpcdiag_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
)

// The echo service of the capture tests, registered by hand as generated
// code would: Echo answers its request, Chat (bidirectional) answers each
// message it receives. Both fail as their message says: a "fail_code"
// field makes them return that status code with the "message" field as
// status message, a "panic" field makes them panic with its value.
const (
	echoService = "test.capture.v1.Echo"
	echoMethod  = "/" + echoService + "/Echo"
	chatMethod  = "/" + echoService + "/Chat"
)

// Header and trailer metadata that Chat sets on its stream.
const (
	chatServedBy = "echo-1"
	chatSession  = "tok-s3cr3t-session-value" // under a sensitive key: never recorded
)

type echoer interface {
	Echo(context.Context, *structpb.Struct) (*structpb.Struct, error)
	Chat(grpc.ServerStream) error
}

type echoServer struct{}

var chatDesc = grpc.StreamDesc{StreamName: "Chat", ServerStreams: true, ClientStreams: true}

var echoDesc = grpc.ServiceDesc{
	ServiceName: echoService,
	HandlerType: (*echoer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Echo",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(structpb.Struct)
			if err := dec(in); err != nil {
				return nil, err
			}
			handler := func(ctx context.Context, req any) (any, error) {
				return srv.(echoer).Echo(ctx, req.(*structpb.Struct))
			}
			if interceptor == nil {
				return handler(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: echoMethod}, handler)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Chat",
		ServerStreams: true,
		ClientStreams: true,
		Handler:       func(srv any, stream grpc.ServerStream) error { return srv.(echoer).Chat(stream) },
	}},
}

// outcome returns what a message asks its handler to do: fail with an
// error, or panic (panics).
func outcome(m *structpb.Struct) error {
	f := m.GetFields()
	if p, ok := f["panic"]; ok {
		panic(p.GetStringValue())
	}
	if c, ok := f["fail_code"]; ok && c.GetNumberValue() != 0 {
		return status.Error(codes.Code(c.GetNumberValue()), f["message"].GetStringValue())
	}
	return nil
}

func (echoServer) Echo(_ context.Context, in *structpb.Struct) (*structpb.Struct, error) {
	if err := outcome(in); err != nil {
		return nil, err
	}
	out := proto.Clone(in).(*structpb.Struct)
	out.Fields["echoed"] = structpb.NewBoolValue(true)
	return out, nil
}

func (echoServer) Chat(stream grpc.ServerStream) error {
	if err := stream.SetHeader(metadata.Pairs("x-served-by", chatServedBy, "x-session-token", chatSession)); err != nil {
		return err
	}
	stream.SetTrailer(metadata.Pairs("x-chat-end", "done"))
	for {
		in := new(structpb.Struct)
		if err := stream.RecvMsg(in); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := outcome(in); err != nil {
			return err
		}
		if err := stream.SendMsg(in); err != nil {
			return err
		}
	}
}

// recoverUnary and recoverStream turn a handler's panic into an Internal
// status, as a recovery interceptor chained outside grpcdiag would, so
// that a test can watch a panic go through the capture step.
func recoverUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = status.Errorf(codes.Internal, "recovered: %v", p)
		}
	}()
	return handler(ctx, req)
}

func recoverStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = status.Errorf(codes.Internal, "recovered: %v", p)
		}
	}()
	return handler(srv, ss)
}

// echoEnv is a real gRPC server on 127.0.0.1:0 with the echo and health
// services behind a recovery interceptor and then the grpcdiag server
// interceptors, and a client through the client interceptors.
type echoEnv struct {
	conn   *grpc.ClientConn
	health healthpb.HealthClient
	addr   string
}

// newEchoEnv starts the server with the grpcdiag options server and
// connects a client with the options client; both stop when the test
// ends.
func newEchoEnv(t testing.TB, server, client []grpcdiag.Option) *echoEnv {
	t.Helper()
	srv := grpc.NewServer(append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(recoverUnary),
		grpc.ChainStreamInterceptor(recoverStream),
	}, grpcdiag.ServerOptions(server...)...)...)
	srv.RegisterService(&echoDesc, echoServer{})
	healthpb.RegisterHealthServer(srv, &healthServer{logger: handlerLogger(new(syncBuffer)), key: grpcdiag.DefaultMetadataKey})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-served
	})
	conn, err := grpc.NewClient(lis.Addr().String(),
		append(grpcdiag.DialOptions(client...), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return &echoEnv{conn: conn, health: healthpb.NewHealthClient(conn), addr: lis.Addr().String()}
}

// echo makes an Echo call.
func (e *echoEnv) echo(ctx context.Context, in *structpb.Struct) (*structpb.Struct, error) {
	out := new(structpb.Struct)
	if err := e.conn.Invoke(ctx, echoMethod, in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// chat sends msgs on a Chat stream, closes its side, and reads the
// answers to the end. It returns how many came and the call's error.
func (e *echoEnv) chat(ctx context.Context, msgs ...*structpb.Struct) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := e.conn.NewStream(ctx, &chatDesc, chatMethod)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if err := stream.SendMsg(m); err != nil {
			break // the status comes with RecvMsg
		}
	}
	if err := stream.CloseSend(); err != nil {
		return 0, err
	}
	n := 0
	for {
		if err := stream.RecvMsg(new(structpb.Struct)); err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		n++
	}
}

// msg returns a Struct of the fields given as name, value pairs.
func msg(t testing.TB, kv ...any) *structpb.Struct {
	t.Helper()
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	s, err := structpb.NewStruct(m)
	require.NoError(t, err)
	return s
}

// everyCall is a capture policy that selects every call, uncapped.
var everyCall = capture.WithPolicy(capture.Policy{Rate: 1, MaxPerSecond: math.Inf(1)})

// onFailure is a capture policy that captures every call that fails,
// uncapped.
var onFailure = capture.WithPolicy(capture.Policy{OnFailure: true, MaxPerSecond: math.Inf(1)})

// only returns the one record of sink, failing if there is not exactly
// one.
func only(t *testing.T, sink *capture.MemorySink) *capture.Record {
	t.Helper()
	recs := sink.Records()
	require.Len(t, recs, 1, "records")
	return recs[0]
}

// jsonOf returns the record as the line a sink writes.
func jsonOf(t *testing.T, rec *capture.Record) string {
	t.Helper()
	line, err := capture.AppendRecord(nil, rec)
	require.NoError(t, err)
	return string(line)
}

// decode parses a body's text as JSON into v.
func decode(t *testing.T, b capture.Body, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(b.String()), v), "body %q", b.String())
}

// sizeOf returns the size of m's protojson as the capture step writes it.
func sizeOf(t testing.TB, m proto.Message) int64 {
	t.Helper()
	b, err := protojson.Marshal(m)
	require.NoError(t, err)
	return int64(len(b))
}

// Secrets the tests send, none of which may appear in a record.
const (
	secretPassword = "hunter2-correct-horse"
	secretJWT      = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	secretBearer   = "mF_9.B5f-4.1JqM-metadata-token"
)

// TestCaptureUnary checks a unary call captured at rate 1, field by field,
// and that the client side ignores WithCapture.
func TestCaptureUnary(t *testing.T) {
	sink, clientSink := capture.NewMemorySink(10), capture.NewMemorySink(10)
	stats := new(capture.Stats)
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex // guards ticks
	ticks := 0
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		ticks++
		return base.Add(time.Duration(ticks) * time.Millisecond)
	}
	e := newEchoEnv(t,
		[]grpcdiag.Option{grpcdiag.WithCapture(sink, everyCall, capture.WithStats(stats), capture.WithClock(clock))},
		[]grpcdiag.Option{grpcdiag.WithCapture(clientSink, everyCall)})

	ctx := correlation.NewContext(context.Background(), "call-unary-1")
	ctx = metadata.AppendToOutgoingContext(ctx,
		"authorization", "Bearer "+secretBearer,
		"x-tenant", "acme",
		"trace-bin", string([]byte{0, 1, 2, 0xff, 0xfe}))
	req := msg(t, "name", "widget", "password", secretPassword, "note", "sent with "+secretJWT, "count", 3)
	resp, err := e.echo(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, secretPassword, resp.GetFields()["password"].GetStringValue(), "the call itself is untouched")

	rec := only(t, sink)
	assert.Zero(t, clientSink.Len(), "the client side captures nothing")
	assert.Equal(t, uint64(1), stats.Captured(capture.ReasonRate))

	assert.Equal(t, capture.Schema, rec.Schema)
	assert.Equal(t, capture.KindGRPC, rec.Kind)
	assert.Len(t, rec.ID, 32)
	assert.Equal(t, capture.ReasonRate, rec.Reason)
	assert.Equal(t, "call-unary-1", rec.CorrelationID)
	assert.True(t, rec.Start.After(base), "start by the capture clock: %v", rec.Start)
	assert.Equal(t, time.Millisecond, rec.Duration, "one tick of the capture clock between start and end")

	r := rec.Request
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, echoMethod, r.URL)
	assert.Equal(t, echoMethod, r.Route)
	assert.Equal(t, e.addr, r.Host)
	assert.Equal(t, "HTTP/2.0", r.Proto)
	assert.Equal(t, []string{"acme"}, r.Header["X-Tenant"])
	assert.Equal(t, []string{"Bearer " + capture.Placeholder}, r.Header["Authorization"])
	assert.Equal(t, []string{"[omitted: 5 bytes]"}, r.Header["Trace-Bin"])
	assert.Equal(t, []string{"application/grpc"}, r.Header["Content-Type"])
	assert.Equal(t, []string{"call-unary-1"}, r.Header["X-Request-Id"])
	for k := range r.Header {
		assert.False(t, strings.HasPrefix(k, ":"), "pseudo-header %q", k)
	}

	assert.Equal(t, "application/json", r.Body.ContentType)
	assert.Equal(t, sizeOf(t, req), r.Body.Size)
	assert.False(t, r.Body.Truncated)
	assert.False(t, r.Body.Omitted)
	var body map[string]any
	decode(t, r.Body, &body)
	assert.Equal(t, "widget", body["name"])
	assert.Equal(t, float64(3), body["count"])
	assert.Equal(t, capture.Placeholder, body["password"])
	assert.Equal(t, "sent with "+capture.Placeholder, body["note"])

	assert.Equal(t, 200, rec.Response.Status)
	assert.Nil(t, rec.Response.Header, "a unary handler's header metadata is not recorded")
	assert.Equal(t, sizeOf(t, resp), rec.Response.Body.Size)
	decode(t, rec.Response.Body, &body)
	assert.Equal(t, true, body["echoed"])
	assert.Equal(t, capture.Placeholder, body["password"])
	require.NotNil(t, rec.GRPC)
	assert.Equal(t, capture.GRPCStatus{Code: "OK"}, *rec.GRPC)
	assert.Empty(t, rec.Panic)
	assert.Empty(t, rec.Error)

	line := jsonOf(t, rec)
	for _, s := range []string{secretPassword, secretJWT, secretBearer} {
		assert.NotContains(t, line, s)
	}
}

// TestCaptureNotSelected checks that a call neither selected nor failed
// leaves no record, and that without WithCapture nothing is captured.
func TestCaptureNotSelected(t *testing.T) {
	sink := capture.NewMemorySink(10)
	e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink)}, nil)
	_, err := e.echo(context.Background(), msg(t, "fail_code", float64(codes.Internal)))
	require.Equal(t, codes.Internal, status.Code(err))
	_, err = e.chat(context.Background(), msg(t, "a", 1))
	require.NoError(t, err)
	assert.Zero(t, sink.Len(), "the zero policy captures only live debug calls")

	assert.Panics(t, func() { grpcdiag.WithCapture(nil) }, "a nil sink is a programmer error")
}

// TestCaptureRules checks that rules match a call as "POST /service/method",
// with the :authority as host, and that header conditions match no call.
func TestCaptureRules(t *testing.T) {
	tests := []struct {
		name         string
		rule         capture.Rule
		echo, health bool // captured
	}{
		{"service", capture.Rule{Pattern: "POST /" + echoService + "/", Rate: 1}, true, false},
		{"method", capture.Rule{Pattern: "POST " + echoMethod, Rate: 1}, true, false},
		{"other method", capture.Rule{Pattern: "POST /" + echoService + "/Chat", Rate: 1}, false, false},
		{"GET", capture.Rule{Pattern: "GET /", Rate: 1}, false, false},
		{"host", capture.Rule{Pattern: "127.0.0.1/", Rate: 1}, true, true},
		{"other host", capture.Rule{Pattern: "example.com/", Rate: 1}, false, false},
		{"method field", capture.Rule{Method: "POST", Rate: 1}, true, true},
		{"header", capture.Rule{Header: "X-Tenant", Rate: 1}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := capture.NewMemorySink(10)
			e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, capture.WithPolicy(capture.Policy{
				Rules: []capture.Rule{tt.rule}, MaxPerSecond: math.Inf(1),
			}))}, nil)
			ctx := metadata.AppendToOutgoingContext(context.Background(), "x-tenant", "acme")
			_, err := e.echo(ctx, msg(t, "a", 1))
			require.NoError(t, err)
			_, err = e.health.Check(ctx, &healthpb.HealthCheckRequest{})
			require.NoError(t, err)
			var urls []string
			for _, rec := range sink.Records() {
				urls = append(urls, rec.Request.URL)
			}
			var want []string
			if tt.echo {
				want = append(want, echoMethod)
			}
			if tt.health {
				want = append(want, healthCheck)
			}
			assert.Equal(t, want, urls)
		})
	}
}

// codeCases are the status codes with the HTTP status of their records and
// whether they mean that the server failed.
var codeCases = []struct {
	code   codes.Code
	status int
	failed bool
}{
	{codes.OK, 200, false},
	{codes.Canceled, 499, false},
	{codes.Unknown, 500, true},
	{codes.InvalidArgument, 400, false},
	{codes.DeadlineExceeded, 504, true},
	{codes.NotFound, 404, false},
	{codes.AlreadyExists, 409, false},
	{codes.PermissionDenied, 403, false},
	{codes.ResourceExhausted, 429, false},
	{codes.FailedPrecondition, 400, false},
	{codes.Aborted, 409, false},
	{codes.OutOfRange, 400, false},
	{codes.Unimplemented, 501, true},
	{codes.Internal, 500, true},
	{codes.Unavailable, 503, true},
	{codes.DataLoss, 500, true},
	{codes.Unauthenticated, 401, false},
	{codes.Code(42), 500, true}, // undefined: Unknown to gRPC
}

// TestCaptureStatus checks the gRPC status and HTTP status of the records
// of calls that end with each code, and which of them the on-failure mode
// captures, for unary and streaming calls.
func TestCaptureStatus(t *testing.T) {
	for _, mode := range []string{"rate", "on-failure"} {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(mode+"/"+kind, func(t *testing.T) {
				sink := capture.NewMemorySink(10)
				policy := everyCall
				if mode == "on-failure" {
					policy = onFailure
				}
				e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, policy)}, nil)
				for _, tt := range codeCases {
					sink.Reset()
					m := msg(t, "fail_code", float64(tt.code), "message", "failed with password="+secretPassword)
					var err error
					if kind == "unary" {
						_, err = e.echo(context.Background(), m)
					} else {
						_, err = e.chat(context.Background(), m)
					}
					require.Equal(t, tt.code, status.Code(err), "the call's own status")
					if mode == "on-failure" && !tt.failed {
						assert.Zero(t, sink.Len(), "%v is not captured on failure", tt.code)
						continue
					}
					rec := only(t, sink)
					wantReason := capture.ReasonRate
					if mode == "on-failure" {
						wantReason = capture.ReasonFailure
					}
					assert.Equal(t, wantReason, rec.Reason, "%v", tt.code)
					assert.Equal(t, tt.status, rec.Response.Status, "%v", tt.code)
					assert.Equal(t, tt.code.String(), rec.GRPC.Code)
					if tt.code != codes.OK {
						assert.Equal(t, "failed with password="+capture.Placeholder, rec.GRPC.Message)
					}
					var req any
					decode(t, rec.Request.Body, &req)
					if kind == "unary" {
						assert.Equal(t, float64(tt.code), req.(map[string]any)["fail_code"], "the request is in the record")
						if tt.code != codes.OK {
							assert.Equal(t, capture.Body{}, rec.Response.Body, "a failed call has no response")
						}
					} else {
						assert.Len(t, req, 1, "the message received")
						assert.Equal(t, int64(1), rec.GRPC.RequestMessages)
					}
					assert.NotContains(t, jsonOf(t, rec), secretPassword)
				}
			})
		}
	}
}

// TestCapturePanic checks that a handler's panic is captured, in
// on-failure mode, and goes on up the stack: a recovery interceptor chained
// outside grpcdiag sees the same value and the client the same status as
// without capture.
func TestCapturePanic(t *testing.T) {
	value := "boom: token=" + secretBearer
	for _, kind := range []string{"unary", "stream"} {
		t.Run(kind, func(t *testing.T) {
			sink := capture.NewMemorySink(10)
			with := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, onFailure)}, nil)
			without := newEchoEnv(t, nil, nil)
			call := func(e *echoEnv) error {
				m := msg(t, "panic", value, "password", secretPassword)
				if kind == "unary" {
					_, err := e.echo(context.Background(), m)
					return err
				}
				_, err := e.chat(context.Background(), m)
				return err
			}
			errWith, errWithout := call(with), call(without)
			require.Error(t, errWithout)
			assert.Equal(t, status.Convert(errWithout).Proto().String(), status.Convert(errWith).Proto().String(),
				"the call fails as without capture")
			assert.Contains(t, status.Convert(errWith).Message(), value, "the recovery interceptor saw the panic value")

			rec := only(t, sink)
			assert.Equal(t, capture.ReasonFailure, rec.Reason)
			assert.Equal(t, 500, rec.Response.Status)
			assert.Equal(t, "Unknown", rec.GRPC.Code)
			assert.Equal(t, "boom: token="+capture.Placeholder, rec.Panic)
			assert.NotContains(t, jsonOf(t, rec), secretBearer)
			assert.NotContains(t, jsonOf(t, rec), secretPassword)
			assert.NotEmpty(t, rec.Request.Body.String(), "the request is in the record")
		})
	}
}

// TestCapturePanicDirect checks, without a server, that the interceptors
// panic again with the very value the handler panicked with, cut and
// redacted only in the record.
func TestCapturePanicDirect(t *testing.T) {
	type hostileValue struct{ s string }
	value := &hostileValue{s: strings.Repeat("\xff", 3000) + secretJWT}
	sink := capture.NewMemorySink(10)
	opts := []grpcdiag.Option{grpcdiag.WithCapture(sink, onFailure)}
	unary := grpcdiag.UnaryServerInterceptor(opts...)
	stream := grpcdiag.StreamServerInterceptor(opts...)
	calls := map[string]func(){
		"unary": func() {
			ctx := grpc.NewContextWithServerTransportStream(context.Background(), new(transportStream))
			_, _ = unary(ctx, msg(t, "a", 1), &grpc.UnaryServerInfo{FullMethod: echoMethod},
				func(context.Context, any) (any, error) { panic(value) })
		},
		"stream": func() {
			_ = stream(nil, &serverStream{ctx: context.Background()}, &grpc.StreamServerInfo{FullMethod: chatMethod},
				func(any, grpc.ServerStream) error { panic(value) })
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			sink.Reset()
			var p any
			func() {
				defer func() { p = recover() }()
				call()
			}()
			assert.Same(t, value, p, "the same value goes on up the stack")
			rec := only(t, sink)
			assert.LessOrEqual(t, len(rec.Panic), 1024+len(capture.Placeholder))
			assert.NotContains(t, rec.Panic, "eyJ")
			assert.NotContains(t, jsonOf(t, rec), "\xff")
		})
	}
}

// chatOf returns n Chat messages numbered from 0.
func chatOf(t testing.TB, n int) []*structpb.Struct {
	msgs := make([]*structpb.Struct, n)
	for i := range msgs {
		msgs[i] = msg(t, "seq", i, "password", secretPassword)
	}
	return msgs
}

// arraySize returns the size of the JSON array of msgs as the capture
// step writes it.
func arraySize(t testing.TB, msgs []*structpb.Struct) int64 {
	n := int64(len(msgs) + 1) // brackets and commas
	for _, m := range msgs {
		n += sizeOf(t, m)
	}
	return n
}

// TestCaptureStream checks the record of a bidirectional stream: the
// first messages of each direction as JSON arrays, the true counts,
// truncation past the number kept, and the metadata the handler set.
func TestCaptureStream(t *testing.T) {
	tests := []struct {
		name     string
		opt      grpcdiag.Option // nil: the default
		sent     int
		kept     int
		truncate bool
	}{
		{"one", grpcdiag.WithCaptureMessages(2), 1, 1, false},
		{"exactly N", grpcdiag.WithCaptureMessages(2), 2, 2, false},
		{"more than N", grpcdiag.WithCaptureMessages(2), 5, 2, true},
		{"default N", nil, 9, grpcdiag.DefaultCaptureMessages, true},
		{"ignored N", grpcdiag.WithCaptureMessages(0), grpcdiag.DefaultCaptureMessages, grpcdiag.DefaultCaptureMessages, false},
		{"none", grpcdiag.WithCaptureMessages(2), 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := capture.NewMemorySink(10)
			stats := new(capture.Stats)
			e := newEchoEnv(t, []grpcdiag.Option{
				grpcdiag.WithCapture(sink, everyCall, capture.WithStats(stats)), tt.opt,
			}, nil)
			n, err := e.chat(correlation.NewContext(context.Background(), "call-stream"), chatOf(t, tt.sent)...)
			require.NoError(t, err)
			require.Equal(t, tt.sent, n, "every message echoed")

			rec := only(t, sink)
			assert.Equal(t, capture.KindGRPC, rec.Kind)
			assert.Equal(t, chatMethod, rec.Request.URL)
			assert.Equal(t, "call-stream", rec.CorrelationID)
			assert.Equal(t, "OK", rec.GRPC.Code)
			assert.Equal(t, int64(tt.sent), rec.GRPC.RequestMessages)
			assert.Equal(t, int64(tt.sent), rec.GRPC.ResponseMessages)
			for _, b := range []capture.Body{rec.Request.Body, rec.Response.Body} {
				assert.Equal(t, tt.truncate, b.Truncated)
				if tt.kept == 0 {
					assert.Equal(t, capture.Body{}, b, "no message, no body")
					continue
				}
				assert.Equal(t, "application/json", b.ContentType)
				assert.Equal(t, arraySize(t, chatOf(t, tt.kept)), b.Size, "the array of the messages kept, whole")
				var arr []map[string]any
				decode(t, b, &arr)
				require.Len(t, arr, tt.kept)
				for i, m := range arr {
					assert.Equal(t, float64(i), m["seq"])
					assert.Equal(t, capture.Placeholder, m["password"])
				}
			}
			if tt.truncate {
				assert.Equal(t, uint64(2), stats.Truncated(), "both directions counted as truncated")
			}
			assert.Equal(t, []string{chatServedBy}, rec.Response.Header["X-Served-By"])
			assert.Equal(t, []string{capture.Placeholder}, rec.Response.Header["X-Session-Token"])
			assert.Equal(t, []string{"done"}, rec.Response.Trailer["X-Chat-End"])
			line := jsonOf(t, rec)
			assert.NotContains(t, line, secretPassword)
			assert.NotContains(t, line, chatSession)
		})
	}
}

// TestCaptureServerStream checks a server-streaming call of the health
// service: its one request as an array of one message.
func TestCaptureServerStream(t *testing.T) {
	sink := capture.NewMemorySink(10)
	e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, everyCall), grpcdiag.WithCaptureMessages(2)}, nil)
	stream, err := e.health.Watch(context.Background(), &healthpb.HealthCheckRequest{Service: "svc"})
	require.NoError(t, err)
	require.NoError(t, drain(stream, nil))
	rec := only(t, sink)
	assert.Equal(t, "/grpc.health.v1.Health/Watch", rec.Request.URL)
	assert.JSONEq(t, `[{"service":"svc"}]`, rec.Request.Body.String())
	assert.Equal(t, int64(1), rec.GRPC.RequestMessages)
	assert.Equal(t, int64(watchMessages), rec.GRPC.ResponseMessages)
	assert.True(t, rec.Response.Body.Truncated)
	assert.JSONEq(t, `[{"status":"SERVING"},{"status":"SERVING"}]`, rec.Response.Body.String())
}

// TestCaptureDebugLive checks that a call package debugsample made live
// by a token is captured with the reason "debug" under the zero policy,
// with the correlation ID and the server span of the layers before it.
func TestCaptureDebugLive(t *testing.T) {
	for _, c := range serviceCalls {
		t.Run(c.name, func(t *testing.T) {
			sink := capture.NewMemorySink(10)
			tel := newTelemetry(t)
			e := newEnv(t, envConfig{server: []grpcdiag.Option{
				tel.option(),
				grpcdiag.WithDebugSample(debugsample.WithTokenKeys(debugKey)),
				grpcdiag.WithCapture(sink),
			}})

			r := c.do(e, withToken("call-live", mintToken(t, "*")), "")
			require.NoError(t, r.err)
			require.Equal(t, "live/token", r.seen(trailerDebug))
			rec := only(t, sink)
			assert.Equal(t, capture.ReasonDebug, rec.Reason)
			assert.Equal(t, "call-live", rec.CorrelationID)
			span := tel.span(t, trace.SpanKindServer)
			assert.Equal(t, span.SpanContext().TraceID().String(), rec.TraceID)
			assert.Equal(t, span.SpanContext().SpanID().String(), rec.SpanID)
			assert.Equal(t, r.seen(trailerSpanID), rec.SpanID, "the handler's span")
			assert.Equal(t, []string{capture.Placeholder}, rec.Request.Header["X-Debug-Token"], "the token is not kept")

			r = c.do(e, withToken("call-plain", ""), "")
			require.NoError(t, r.err)
			assert.Equal(t, 1, sink.Len(), "a call that is not live is not captured")
		})
	}
}

// rawCodec sends and receives bytes as they are, so that a test can send
// a message that gRPC's proto codec would refuse to marshal.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

// invalidStruct returns the wire form of a Struct whose field "name" is
// a string holding invalid UTF-8.
func invalidStruct() []byte {
	var value []byte
	value = protowire.AppendTag(value, 3, protowire.BytesType) // Value.string_value
	value = protowire.AppendString(value, "bad \xff\xfe utf-8")
	var entry []byte
	entry = protowire.AppendTag(entry, 1, protowire.BytesType) // key
	entry = protowire.AppendString(entry, "name")
	entry = protowire.AppendTag(entry, 2, protowire.BytesType) // value
	entry = protowire.AppendBytes(entry, value)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType) // Struct.fields
	return protowire.AppendBytes(b, entry)
}

// TestCaptureHostile checks what hostile calls leave in a record: a huge
// message cut at the body limit with its true size, a message gRPC
// cannot decode, binary metadata of any bytes, and a message that has no
// JSON form.
func TestCaptureHostile(t *testing.T) {
	t.Run("huge message", func(t *testing.T) {
		sink := capture.NewMemorySink(10)
		stats := new(capture.Stats)
		e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, everyCall,
			capture.WithBodyLimit(1<<10), capture.WithStats(stats))}, nil)
		big := msg(t, "blob", strings.Repeat("a", 1<<20), "password", secretPassword)
		_, err := e.echo(context.Background(), big)
		require.NoError(t, err)
		_, err = e.chat(context.Background(), big)
		require.NoError(t, err)
		recs := sink.Records()
		require.Len(t, recs, 2)
		want := sizeOf(t, big)
		for _, b := range []capture.Body{recs[0].Request.Body, recs[1].Request.Body} {
			assert.True(t, b.Truncated)
			assert.False(t, b.Omitted)
			assert.GreaterOrEqual(t, b.Size, want, "the true size")
			assert.LessOrEqual(t, b.Size, want+2, "the message, or the array of it")
			assert.LessOrEqual(t, len(b.Text), 1<<10+len(capture.Placeholder), "cut at the limit")
		}
		assert.Equal(t, want, recs[0].Request.Body.Size)
		assert.Equal(t, uint64(4), stats.Truncated())
		for _, rec := range recs {
			assert.NotContains(t, jsonOf(t, rec), secretPassword)
		}
	})

	t.Run("undecodable message", func(t *testing.T) {
		// gRPC sends the status of a message it cannot decode as soon as
		// RecvMsg fails, before the handler returns and the record is
		// made: wait for the record.
		sink := capture.NewMemorySink(10)
		written := make(chan struct{}, 1)
		signal := capture.SinkFunc(func(ctx context.Context, rec *capture.Record) error {
			defer func() { written <- struct{}{} }()
			return sink.Write(ctx, rec)
		})
		e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(signal, onFailure)}, nil)
		stream, err := e.conn.NewStream(context.Background(), &chatDesc, chatMethod, grpc.ForceCodecV2(rawCodec{}))
		require.NoError(t, err)
		raw := invalidStruct()
		require.NoError(t, stream.SendMsg(&raw))
		require.NoError(t, stream.CloseSend())
		var got []byte
		err = stream.RecvMsg(&got)
		require.Equal(t, codes.Internal, status.Code(err), "gRPC refuses the message: %v", err)
		select {
		case <-written:
		case <-time.After(10 * time.Second):
			t.Fatal("no record")
		}

		rec := only(t, sink)
		assert.Equal(t, "Internal", rec.GRPC.Code)
		assert.Equal(t, int64(0), rec.GRPC.RequestMessages, "a message that did not decode is not counted")
		assert.Equal(t, capture.Body{}, rec.Request.Body)
		assert.NotContains(t, jsonOf(t, rec), "\xff")
	})

	t.Run("binary metadata", func(t *testing.T) {
		sink := capture.NewMemorySink(10)
		e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, everyCall)}, nil)
		hostile := string([]byte{0, '\r', '\n', 0xff, 'a'}) + secretJWT
		ctx := metadata.AppendToOutgoingContext(context.Background(), "x-hostile-bin", hostile, "x-hostile-bin", "x")
		_, err := e.echo(ctx, msg(t, "a", 1))
		require.NoError(t, err)
		rec := only(t, sink)
		assert.Equal(t, []string{fmt.Sprintf("[omitted: %d bytes]", len(hostile)), "[omitted: 1 bytes]"}, rec.Request.Header["X-Hostile-Bin"])
		assert.NotContains(t, jsonOf(t, rec), "eyJ")
	})

	t.Run("no JSON form", func(t *testing.T) {
		sink := capture.NewMemorySink(10)
		unary := grpcdiag.UnaryServerInterceptor(grpcdiag.WithCapture(sink, everyCall))
		ctx := grpc.NewContextWithServerTransportStream(context.Background(), new(transportStream))
		bad := &structpb.Struct{Fields: map[string]*structpb.Value{"name": structpb.NewStringValue("bad \xff utf-8")}}
		_, err := unary(ctx, bad, &grpc.UnaryServerInfo{FullMethod: echoMethod},
			func(context.Context, any) (any, error) { return "not a message", nil })
		require.NoError(t, err)
		rec := only(t, sink)
		wire := int64(proto.Size(bad))
		assert.Equal(t, capture.Body{ContentType: "application/x-protobuf", Size: wire, Omitted: true,
			Text: fmt.Sprintf("[omitted: %d bytes]", wire)}, rec.Request.Body)
		assert.True(t, rec.Response.Body.Omitted)
		assert.Equal(t, "[omitted: not a protocol buffer message]", rec.Response.Body.String())
		assert.NotContains(t, jsonOf(t, rec), "\xff")
	})

	for _, mode := range []string{"rate", "on-failure"} {
		t.Run("no JSON form in a stream/"+mode, func(t *testing.T) {
			sink := capture.NewMemorySink(10)
			policy := everyCall
			if mode == "on-failure" {
				policy = onFailure
			}
			stream := grpcdiag.StreamServerInterceptor(grpcdiag.WithCapture(sink, policy))
			bad := &structpb.Struct{Fields: map[string]*structpb.Value{"name": structpb.NewStringValue("bad \xff utf-8")}}
			err := stream(nil, &serverStream{ctx: context.Background()}, &grpc.StreamServerInfo{FullMethod: chatMethod},
				func(_ any, ss grpc.ServerStream) error {
					for _, m := range []any{msg(t, "a", 1), bad, "not a message"} {
						if err := ss.SendMsg(m); err != nil {
							return err
						}
					}
					return status.Error(codes.Internal, "failed")
				})
			require.Equal(t, codes.Internal, status.Code(err))
			rec := only(t, sink)
			var arr []any
			decode(t, rec.Response.Body, &arr)
			assert.Equal(t, []any{
				map[string]any{"a": float64(1)},
				fmt.Sprintf("[omitted: %d bytes]", proto.Size(bad)),
				"[omitted: not a protocol buffer message]",
			}, arr)
			assert.Equal(t, int64(3), rec.GRPC.ResponseMessages)
		})
	}
}

// TestCaptureStreamOnFailure checks that a failed stream captured in
// on-failure mode, whose messages are kept in wire form until it fails,
// has the record it would have had if it had been selected up front.
func TestCaptureStreamOnFailure(t *testing.T) {
	tests := []struct {
		name             string
		sent             int  // messages before the failing one
		messages         int  // WithCaptureMessages
		received, echoed int  // in the records
		truncated        bool // the request array
	}{
		{"fewer than N", 1, 3, 2, 1, false},
		{"exactly N", 2, 3, 3, 2, false},
		{"more than N", 5, 3, 6, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs [2]*capture.Record
			for i, policy := range []capture.Option{everyCall, onFailure} {
				sink := capture.NewMemorySink(10)
				e := newEchoEnv(t, []grpcdiag.Option{
					grpcdiag.WithCapture(sink, policy), grpcdiag.WithCaptureMessages(tt.messages),
				}, nil)
				msgs := append(chatOf(t, tt.sent), msg(t, "fail_code", float64(codes.Internal), "seq", tt.sent))
				_, err := e.chat(context.Background(), msgs...)
				require.Equal(t, codes.Internal, status.Code(err))
				recs[i] = only(t, sink)
			}
			eager, deferred := recs[0], recs[1]
			assert.Equal(t, capture.ReasonFailure, deferred.Reason)
			assert.Equal(t, int64(tt.received), deferred.GRPC.RequestMessages)
			assert.Equal(t, int64(tt.echoed), deferred.GRPC.ResponseMessages)
			assert.Equal(t, tt.truncated, deferred.Request.Body.Truncated)
			assert.Equal(t, eager.Request.Body, deferred.Request.Body, "the same request array")
			assert.Equal(t, eager.Response.Body, deferred.Response.Body, "the same response array")
			var arr []map[string]any
			decode(t, deferred.Request.Body, &arr)
			assert.Len(t, arr, min(tt.received, tt.messages))
			assert.Equal(t, float64(0), arr[0]["seq"])
			assert.NotContains(t, jsonOf(t, deferred), secretPassword)
		})
	}
}

// TestCaptureStreamOnFailureLimit checks that a stream in on-failure mode
// keeps at most the body limit of its messages in wire form, but always
// the first: the record holds those that fit, marked truncated.
func TestCaptureStreamOnFailureLimit(t *testing.T) {
	sink := capture.NewMemorySink(10)
	e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, onFailure, capture.WithBodyLimit(1<<10))}, nil)
	first := msg(t, "blob", strings.Repeat("a", 2<<10)) // alone past the limit
	second := msg(t, "blob", "b")
	_, err := e.chat(context.Background(), first, second, msg(t, "fail_code", float64(codes.Internal)))
	require.Equal(t, codes.Internal, status.Code(err))
	rec := only(t, sink)
	b := rec.Request.Body
	assert.Equal(t, int64(3), rec.GRPC.RequestMessages)
	assert.True(t, b.Truncated)
	assert.Equal(t, arraySize(t, []*structpb.Struct{first}), b.Size, "only the first message was kept")
	assert.LessOrEqual(t, len(b.Text), 1<<10+len(capture.Placeholder))
	assert.True(t, strings.HasPrefix(strings.ReplaceAll(b.Text, " ", ""), `[{"blob":`), "%.40q", b.Text)
}

// TestCaptureConcurrent makes unary and streaming calls from many
// goroutines at once and checks that each record holds its own call.
func TestCaptureConcurrent(t *testing.T) {
	const workers, calls = 16, 10
	sink := capture.NewMemorySink(2 * workers * calls)
	e := newEchoEnv(t, []grpcdiag.Option{grpcdiag.WithCapture(sink, everyCall), grpcdiag.WithCaptureMessages(2)}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, workers*calls*2)
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				id := fmt.Sprintf("conc-%d-%d", w, i)
				ctx := correlation.NewContext(context.Background(), id)
				if _, err := e.echo(ctx, msg(t, "id", id)); err != nil {
					errs <- err
				}
				if _, err := e.chat(ctx, msg(t, "id", id), msg(t, "id", id), msg(t, "id", id)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	recs := sink.Records()
	require.Len(t, recs, 2*workers*calls)
	seen := map[string]int{}
	for _, rec := range recs {
		seen[rec.Request.URL+" "+rec.CorrelationID]++
		if rec.Request.URL == echoMethod {
			var m map[string]any
			decode(t, rec.Request.Body, &m)
			assert.Equal(t, rec.CorrelationID, m["id"])
			continue
		}
		var arr []map[string]any
		decode(t, rec.Request.Body, &arr)
		require.Len(t, arr, 2)
		assert.Equal(t, rec.CorrelationID, arr[1]["id"])
		assert.Equal(t, int64(3), rec.GRPC.RequestMessages)
		assert.True(t, rec.Request.Body.Truncated)
	}
	assert.Len(t, seen, 2*workers*calls, "one record per call")
}

// BenchmarkCaptureUnary measures the cost of capture on a unary call, the
// interceptor called directly as in BenchmarkUnaryServer: without
// capture, with capture of nothing (rate 0), in on-failure mode on a call
// that succeeds, and capturing every call; alone and after debug sampling.
func BenchmarkCaptureUnary(b *testing.B) {
	ctx := grpc.NewContextWithServerTransportStream(context.Background(), new(discardStream))
	ctx = peer.NewContext(ctx, &peer.Peer{Addr: net.TCPAddrFromAddrPort(netip.MustParseAddrPort("192.0.2.1:5000"))})
	ctx = metadata.NewIncomingContext(ctx, metadata.Pairs(
		":authority", "orders.internal:443",
		grpcdiag.DefaultMetadataKey, "0192f0c1-aaaa-7bbb-8ccc-dddddddddddd",
		"user-agent", "grpc-go/1.84.0",
		"content-type", "application/grpc",
	))
	info := &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"}
	req := &healthpb.HealthCheckRequest{Service: "orders"}
	resp := &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}
	handler := func(context.Context, any) (any, error) { return resp, nil }
	discard := capture.SinkFunc(func(context.Context, *capture.Record) error { return nil })
	noEnv := capture.WithEnv(func() *capture.Env { return nil })
	rate0 := grpcdiag.WithCapture(discard, noEnv)
	failures := grpcdiag.WithCapture(discard, noEnv, onFailure)
	every := grpcdiag.WithCapture(discard, noEnv, everyCall)
	debug := grpcdiag.WithDebugSample()
	cases := []struct {
		name string
		opts []grpcdiag.Option
	}{
		{"correlation", nil},
		{"correlation+capture_rate0", []grpcdiag.Option{rate0}},
		{"correlation+capture_onfailure_ok", []grpcdiag.Option{failures}},
		{"correlation+capture_every", []grpcdiag.Option{every}},
		{"correlation+debug_off", []grpcdiag.Option{debug}},
		{"correlation+debug_off+capture_rate0", []grpcdiag.Option{debug, rate0}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			unary := grpcdiag.UnaryServerInterceptor(c.opts...)
			b.ReportAllocs()
			for b.Loop() {
				_, _ = unary(ctx, req, info, handler)
			}
		})
	}
}

// benchStream is a grpc.ServerStream whose RecvMsg gives a message n
// times, then io.EOF, and whose SendMsg drops what it is given.
type benchStream struct {
	grpc.ServerStream
	ctx  context.Context
	n    int
	recv *healthpb.HealthCheckRequest
}

func (s *benchStream) Context() context.Context { return s.ctx }
func (s *benchStream) SetHeader(metadata.MD) error {
	return nil
}
func (s *benchStream) SendMsg(any) error { return nil }
func (s *benchStream) RecvMsg(m any) error {
	if s.n == 0 {
		return io.EOF
	}
	s.n--
	proto.Merge(m.(proto.Message), s.recv)
	return nil
}

// BenchmarkCaptureStream measures the cost of capture on a stream of 8
// messages each way: without capture, with capture of nothing, in
// on-failure mode on a stream that succeeds (its messages are written as
// they go and dropped), and capturing every stream.
func BenchmarkCaptureStream(b *testing.B) {
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(
		":authority", "orders.internal:443", "content-type", "application/grpc"))
	info := &grpc.StreamServerInfo{FullMethod: "/grpc.health.v1.Health/Watch", IsClientStream: true, IsServerStream: true}
	recv := &healthpb.HealthCheckRequest{Service: "orders"}
	resp := &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}
	handler := func(_ any, ss grpc.ServerStream) error {
		for {
			var m healthpb.HealthCheckRequest
			if err := ss.RecvMsg(&m); err != nil {
				return nil
			}
			if err := ss.SendMsg(resp); err != nil {
				return err
			}
		}
	}
	discard := capture.SinkFunc(func(context.Context, *capture.Record) error { return nil })
	noEnv := capture.WithEnv(func() *capture.Env { return nil })
	cases := []struct {
		name string
		opts []grpcdiag.Option
	}{
		{"correlation", nil},
		{"correlation+capture_rate0", []grpcdiag.Option{grpcdiag.WithCapture(discard, noEnv)}},
		{"correlation+capture_onfailure_ok", []grpcdiag.Option{grpcdiag.WithCapture(discard, noEnv, onFailure)}},
		{"correlation+capture_every", []grpcdiag.Option{grpcdiag.WithCapture(discard, noEnv, everyCall)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			stream := grpcdiag.StreamServerInterceptor(c.opts...)
			b.ReportAllocs()
			for b.Loop() {
				_ = stream(nil, &benchStream{ctx: ctx, n: 8, recv: recv}, info, handler)
			}
		})
	}
}
