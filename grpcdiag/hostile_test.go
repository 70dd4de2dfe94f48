package grpcdiag_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
)

// hostileCase is an incoming ID the server must refuse.
type hostileCase struct {
	name   string
	values []string // the values of the ID key in the incoming metadata
}

func hostileCases() []hostileCase {
	repeated := make([]string, 200)
	for i := range repeated {
		repeated[i] = "0192f0c1-aaaa-7bbb-8ccc-dddddddddddd"
	}
	return []hostileCase{
		{"empty", []string{""}},
		{"whitespace", []string{"   "}},
		{"500 KB", []string{strings.Repeat("A", 500<<10)}},
		{"CR LF", []string{"evil-id\r\nx-injected: 1"}},
		{"NUL", []string{"evil-id\x00tail"}},
		{"ESC", []string{"\x1b[31mevil-id\x1b[0m"}},
		{"tab", []string{"evil\tid"}},
		{"U+202E", []string{"evil-id\u202edi-live"}},
		{"U+2028", []string{"evil-id\u2028tail"}},
		{"invalid UTF-8", []string{"evil-id\xff\xfe\xc0"}},
		{"valid ID plus trailing garbage", []string{"0192f0c1-aaaa-7bbb-8ccc-dddddddddddd; rm -rf /"}},
		{"key repeated", repeated},
		{"valid then hostile", []string{"good-id", "evil-id\r\n"}},
	}
}

// sendable reports whether a real gRPC client will send all values: it
// refuses, before anything reaches the network, metadata values with bytes
// outside printable ASCII.
func (c hostileCase) sendable() bool {
	for _, v := range c.values {
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7e {
				return false
			}
		}
	}
	return true
}

// requireRefused checks what a handler saw after the server refused the
// incoming values: a new UUIDv7, the same one echoed and logged, and the
// values nowhere.
func requireRefused(t *testing.T, values []string, id string, echoed []string, logs []byte) {
	t.Helper()
	require.Regexp(t, uuidV7, id, "the handler must get a new ID")
	for _, v := range values {
		require.NotEqual(t, v, id)
	}
	require.Equal(t, []string{id}, echoed, "the new ID, alone, must be echoed")
	require.Equal(t, []string{id}, idsLogged(t, logs, "handled"), "the log line must carry the new ID")
	requireAbsent(t, logs, values)
}

func requireCountedRejected(t *testing.T, st *correlation.Stats) {
	t.Helper()
	assert.Equal(t, uint64(1), st.Rejected(), "rejected")
	assert.Equal(t, uint64(1), st.Generated(), "generated")
	assert.Equal(t, uint64(0), st.Accepted(), "accepted")
}

// TestHostileDirect drives the server interceptors with fabricated incoming
// metadata, which can hold what no real client sends.
func TestHostileDirect(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			md := metadata.MD{grpcdiag.DefaultMetadataKey: tc.values, "other-key": {"kept"}}
			kinds := []struct {
				name string
				call func(opts ...grpcdiag.Option) direct
			}{
				{"unary", func(opts ...grpcdiag.Option) direct {
					return callUnary(t, grpcdiag.UnaryServerInterceptor(opts...), metadata.NewIncomingContext(context.Background(), md))
				}},
				{"stream", func(opts ...grpcdiag.Option) direct {
					return callStream(t, grpcdiag.StreamServerInterceptor(opts...), metadata.NewIncomingContext(context.Background(), md))
				}},
			}
			for _, k := range kinds {
				t.Run(k.name, func(t *testing.T) {
					st := new(correlation.Stats)
					lib := new(syncBuffer)
					d := k.call(grpcdiag.WithCorrelation(correlation.WithStats(st)), grpcdiag.WithLogger(libLogger(lib)))

					requireRefused(t, tc.values, d.id, d.header.Get(grpcdiag.DefaultMetadataKey), d.logs)
					require.Len(t, d.header, 1, "nothing but the ID is echoed")
					in, ok := metadata.FromIncomingContext(d.ctx)
					require.True(t, ok)
					require.NotContains(t, in, grpcdiag.DefaultMetadataKey, "the refused key must be gone from the handler's metadata")
					require.Equal(t, []string{"kept"}, in.Get("other-key"), "other metadata must be kept")
					require.Empty(t, lib.Bytes(), "no warnings")
					requireCountedRejected(t, st)
				})
			}
		})
	}
}

// TestHostileRoundTrip sends the hostile values that a real gRPC client
// can send through a real server, for a unary and a streaming call.
func TestHostileRoundTrip(t *testing.T) {
	for _, tc := range hostileCases() {
		if !tc.sendable() {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			calls := []struct {
				name string
				msg  string
				do   func(*env, context.Context) callResult
			}{
				{"unary", "check", (*env).check},
				{"stream", "watch", (*env).watch},
			}
			for _, c := range calls {
				t.Run(c.name, func(t *testing.T) {
					// The limit is set, not left to gRPC's default, which is
					// due to fall from 16 MB to 8 KB: the 500 KB case must
					// reach the interceptor. TestHugeMetadataRefusedByServer
					// shows what happens when it does not.
					e := newEnv(t, envConfig{grpcServer: []grpc.ServerOption{grpc.MaxHeaderListSize(1 << 20)}})
					md := metadata.MD{grpcdiag.DefaultMetadataKey: tc.values}
					// A correlation ID in the context must not replace or
					// join the caller's explicit metadata.
					ctx := correlation.NewContext(context.Background(), "context-id")
					ctx = metadata.NewOutgoingContext(ctx, md)

					r := c.do(e, ctx)
					require.NoError(t, r.err)
					id := r.echoed(grpcdiag.DefaultMetadataKey)
					require.Regexp(t, uuidV7, id)
					require.Equal(t, id, r.seenID(), "the handler must see the echoed ID")
					require.Equal(t, 0, r.seenValues(), "the refused key must be gone from the handler's metadata")
					logs := e.logs.Bytes()
					require.Equal(t, []string{id}, idsLogged(t, logs, c.msg))
					requireAbsent(t, logs, tc.values)
					require.Empty(t, e.libLogs.Bytes(), "no warnings")
					requireCountedRejected(t, e.stats)
				})
			}
		})
	}
}

// TestHugeMetadataRefusedByServer shows what a client sees when the ID is
// larger than the server's header list limit: gRPC fails the call before
// any interceptor runs, so no ID is resolved, echoed or logged.
func TestHugeMetadataRefusedByServer(t *testing.T) {
	e := newEnv(t, envConfig{grpcServer: []grpc.ServerOption{grpc.MaxHeaderListSize(64 << 10)}})
	// A first call makes sure the client has the server's settings, limit
	// included.
	require.NoError(t, e.check(context.Background()).err)

	huge := strings.Repeat("A", 500<<10)
	ctx := metadata.AppendToOutgoingContext(context.Background(), grpcdiag.DefaultMetadataKey, huge)
	r := e.check(ctx)
	require.Equal(t, codes.Internal, status.Code(r.err), "the client sees %v", r.err)
	require.Contains(t, r.err.Error(), "header list size")
	require.NotContains(t, r.err.Error(), huge[:64])
	require.Empty(t, r.header.Get(grpcdiag.DefaultMetadataKey), "no ID is echoed")
	require.Len(t, idsLogged(t, e.logs.Bytes(), "check"), 1, "only the first call reached the handler")
	requireAbsent(t, e.logs.Bytes(), []string{huge})
	require.Equal(t, uint64(0), e.stats.Rejected())
	require.Equal(t, uint64(1), e.stats.Generated())
}
