package grpcdiag_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
)

// buffered is the debug option of a server that buffers every call.
func buffered(more ...debugsample.Option) grpcdiag.Option {
	return grpcdiag.WithDebugSample(append([]debugsample.Option{debugsample.WithPolicy(debugsample.Policy{BufferedRate: 1})}, more...)...)
}

// debugCall calls the server interceptor of kind ("unary" or "stream"),
// built with opts, directly, with a handler that logs a debug line into
// logs and then runs act with its context. It returns the error the
// interceptor returned; a panic of act goes on to the caller.
func debugCall(kind string, logs *syncBuffer, opts []grpcdiag.Option, act func(context.Context) error) error {
	log := debugLogger(logs)
	base := grpc.NewContextWithServerTransportStream(context.Background(), new(transportStream))
	if kind == "unary" {
		info := &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"}
		_, err := grpcdiag.UnaryServerInterceptor(opts...)(base, nil, info, func(ctx context.Context, _ any) (any, error) {
			log.DebugContext(ctx, "detail")
			return nil, act(ctx)
		})
		return err
	}
	info := &grpc.StreamServerInfo{FullMethod: "/grpc.health.v1.Health/Watch", IsServerStream: true}
	return grpcdiag.StreamServerInterceptor(opts...)(nil, &serverStream{ctx: base}, info, func(_ any, ss grpc.ServerStream) error {
		log.DebugContext(ss.Context(), "detail")
		return act(ss.Context())
	})
}

// flushedDetail reports whether the log holds the flushed debug line.
func flushedDetail(t *testing.T, logs []byte) bool {
	t.Helper()
	lines := linesWith(t, logs, "detail")
	require.LessOrEqual(t, len(lines), 1)
	if len(lines) == 1 {
		assert.Equal(t, true, lines[0]["debug_buffered"])
	}
	return len(lines) == 1
}

// TestDebugFailureCodes checks which outcomes of a buffered call flush its
// debug lines by default: the codes that mean the server failed, as a
// server span marks them, and errors as gRPC would send them.
func TestDebugFailureCodes(t *testing.T) {
	serverFault := map[codes.Code]bool{
		codes.Unknown: true, codes.DeadlineExceeded: true, codes.Unimplemented: true,
		codes.Internal: true, codes.Unavailable: true, codes.DataLoss: true,
	}
	type outcome struct {
		name    string
		err     error
		flushed bool
	}
	var tests []outcome
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		var err error
		if c != codes.OK {
			err = status.Error(c, "x")
		}
		tests = append(tests, outcome{c.String(), err, serverFault[c]})
	}
	tests = append(tests,
		outcome{"undefined code", status.Error(codes.Code(99), "x"), true},
		outcome{"plain error", errors.New("plain"), true},
		outcome{"wrapped Internal", fmt.Errorf("wrapped: %w", status.Error(codes.Internal, "x")), true},
		outcome{"wrapped NotFound", fmt.Errorf("wrapped: %w", status.Error(codes.NotFound, "x")), false},
		outcome{"context deadline", context.DeadlineExceeded, true},
		outcome{"context canceled", context.Canceled, false},
	)
	for _, tt := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				st := new(debugsample.Stats)
				logs := new(syncBuffer)
				err := debugCall(kind, logs, []grpcdiag.Option{buffered(debugsample.WithStats(st))},
					func(context.Context) error { return tt.err })
				require.Equal(t, tt.err, err, "the handler's error, untouched")
				assert.Equal(t, tt.flushed, flushedDetail(t, logs.Bytes()))
				assert.Equal(t, uint64(1), st.Flushed()+st.Discarded())
			})
		}
	}
}

// TestDebugPanic checks that a panicking handler's buffered debug lines are
// flushed and the panic continues with its value.
func TestDebugPanic(t *testing.T) {
	for _, kind := range []string{"unary", "stream"} {
		t.Run(kind, func(t *testing.T) {
			logs := new(syncBuffer)
			var p any
			func() {
				defer func() { p = recover() }()
				_ = debugCall(kind, logs, []grpcdiag.Option{buffered()}, func(context.Context) error { panic("boom") })
			}()
			assert.Equal(t, "boom", p)
			assert.True(t, flushedDetail(t, logs.Bytes()))
		})
	}
}

// TestDebugFailurePredicate checks that WithFailure sees the request view
// and the HTTP status of the call's code, and replaces the default.
func TestDebugFailurePredicate(t *testing.T) {
	var (
		mu   sync.Mutex // guards seen
		seen []string
	)
	failed := func(r *http.Request, status int) bool {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, status))
		return status == http.StatusNotFound
	}
	tests := []struct {
		code    codes.Code
		status  int
		flushed bool
	}{
		{codes.NotFound, 404, true},
		{codes.Internal, 500, false},
		{codes.OK, 200, false},
		{codes.Unavailable, 503, false},
		{codes.ResourceExhausted, 429, false},
	}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			logs := new(syncBuffer)
			_ = debugCall("unary", logs, []grpcdiag.Option{buffered(debugsample.WithFailure(failed))},
				func(context.Context) error { return status.Error(tt.code, "x") })
			assert.Equal(t, tt.flushed, flushedDetail(t, logs.Bytes()))
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{fmt.Sprintf("POST /grpc.health.v1.Health/Check %d", tt.status)}, seen)
		})
	}
}

// fakeClock is a clock that moves only when told. mu guards now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestDebugLatency checks that a successful buffered call slower than the
// latency threshold is flushed, without a test that sleeps.
func TestDebugLatency(t *testing.T) {
	for _, kind := range []string{"unary", "stream"} {
		for _, tt := range []struct {
			took    time.Duration
			flushed bool
		}{{time.Second, false}, {2 * time.Second, true}} {
			t.Run(fmt.Sprintf("%s/%v", kind, tt.took), func(t *testing.T) {
				clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
				opts := []grpcdiag.Option{buffered(debugsample.WithClock(clock.Now), debugsample.WithLatencyThreshold(time.Second))}
				logs := new(syncBuffer)
				err := debugCall(kind, logs, opts, func(context.Context) error {
					clock.Advance(tt.took)
					return nil
				})
				require.NoError(t, err)
				assert.Equal(t, tt.flushed, flushedDetail(t, logs.Bytes()))
			})
		}
	}
}

// TestDebugExplicitFlush checks that debugsample.Flush works on a call's
// context and that a later failure writes no line twice.
func TestDebugExplicitFlush(t *testing.T) {
	for _, kind := range []string{"unary", "stream"} {
		t.Run(kind, func(t *testing.T) {
			logs := new(syncBuffer)
			_ = debugCall(kind, logs, []grpcdiag.Option{buffered()}, func(ctx context.Context) error {
				assert.Equal(t, 1, debugsample.Flush(ctx))
				return status.Error(codes.Internal, "x")
			})
			assert.True(t, flushedDetail(t, logs.Bytes()))
		})
	}
}
