package grpcdiag_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
)

// TestUnusableHeaderName checks that a header name that is a valid HTTP
// token but not a valid gRPC metadata key falls back to the default key,
// with one warning per constructor.
func TestUnusableHeaderName(t *testing.T) {
	tests := []struct {
		name   string
		header string
	}{
		{"character gRPC refuses", "X!Request"},
		{"reserved grpc- prefix", "Grpc-Request-Id"},
		{"binary -bin suffix", "X-Request-Bin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib := new(syncBuffer)
			opts := []grpcdiag.Option{
				grpcdiag.WithCorrelation(correlation.WithHeader(tt.header)),
				grpcdiag.WithLogger(libLogger(lib)),
			}
			unary := grpcdiag.UnaryServerInterceptor(opts...)
			grpcdiag.DialOptions(opts...)
			lines := logLines(t, lib.Bytes())
			require.Len(t, lines, 2, "one warning for the server, one for the client")
			for _, l := range lines {
				assert.Equal(t, "WARN", l["level"])
				assert.Equal(t, grpcdiag.DefaultMetadataKey, l["key"])
			}

			ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(grpcdiag.DefaultMetadataKey, "abc"))
			d := callUnary(t, unary, ctx)
			assert.Equal(t, "abc", d.id, "the default key is read")
			assert.Equal(t, []string{"abc"}, d.header.Get(grpcdiag.DefaultMetadataKey))

			var sent metadata.MD
			invoker := func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
				sent, _ = metadata.FromOutgoingContext(ctx)
				return nil
			}
			err := grpcdiag.UnaryClientInterceptor(opts...)(correlation.NewContext(context.Background(), "abc"), "/m", nil, nil, nil, invoker)
			require.NoError(t, err)
			assert.Equal(t, metadata.MD{grpcdiag.DefaultMetadataKey: {"abc"}}, sent, "the default key is sent")
		})
	}
}

// TestHeaderFailureWarning checks that a response header that cannot be
// set is reported, without the refused ID, and that the call goes on.
func TestHeaderFailureWarning(t *testing.T) {
	const evil = "EVIL-MARKER\r\n"
	in := metadata.NewIncomingContext(context.Background(), metadata.Pairs(grpcdiag.DefaultMetadataKey, evil))

	t.Run("unary without a transport stream", func(t *testing.T) {
		lib := new(syncBuffer)
		unary := grpcdiag.UnaryServerInterceptor(grpcdiag.WithLogger(handlerLogger(lib)))
		var seen string
		_, err := unary(in, nil, &grpc.UnaryServerInfo{}, func(ctx context.Context, _ any) (any, error) {
			seen, _ = correlation.FromContext(ctx)
			return nil, nil
		})
		require.NoError(t, err)
		require.Regexp(t, uuidV7, seen)
		lines := logLines(t, lib.Bytes())
		require.Len(t, lines, 1)
		assert.Equal(t, "WARN", lines[0]["level"])
		assert.Equal(t, "Internal", lines[0]["code"])
		assert.Equal(t, seen, lines[0][correlation.DefaultLogKey], "the warning carries the call's new ID")
		requireAbsent(t, lib.Bytes(), []string{evil, "EVIL-MARKER"})
	})

	t.Run("stream whose SetHeader fails", func(t *testing.T) {
		lib := new(syncBuffer)
		stream := grpcdiag.StreamServerInterceptor(grpcdiag.WithLogger(handlerLogger(lib)))
		ss := &serverStream{ctx: in, err: errors.New("stream done after " + evil)}
		var seen string
		err := stream(nil, ss, &grpc.StreamServerInfo{}, func(_ any, s grpc.ServerStream) error {
			seen, _ = correlation.FromContext(s.Context())
			return nil
		})
		require.NoError(t, err)
		require.Regexp(t, uuidV7, seen)
		lines := logLines(t, lib.Bytes())
		require.Len(t, lines, 1)
		assert.Equal(t, "Unknown", lines[0]["code"])
		requireAbsent(t, lib.Bytes(), []string{evil, "EVIL-MARKER"})
	})
}

// TestNilOptions checks that nil options and nil arguments are ignored.
func TestNilOptions(t *testing.T) {
	opts := []grpcdiag.Option{nil, grpcdiag.WithLogger(nil), grpcdiag.WithCorrelation(nil), grpcdiag.WithCorrelation()}
	require.Len(t, grpcdiag.ServerOptions(opts...), 2)
	require.Len(t, grpcdiag.DialOptions(opts...), 2)
	d := callUnary(t, grpcdiag.UnaryServerInterceptor(opts...), context.Background())
	require.Regexp(t, uuidV7, d.id)
	d = callStream(t, grpcdiag.StreamServerInterceptor(opts...), context.Background())
	require.Regexp(t, uuidV7, d.id)
}

// TestServerOptionsShareOneResolver checks that the unary and stream
// interceptors of one ServerOptions call share their state: a generator
// given once serves both.
func TestServerOptionsShareOneResolver(t *testing.T) {
	var n atomic.Int64
	gen := grpcdiag.WithCorrelation(correlation.WithGenerator(func() string {
		return "gen-" + strconv.FormatInt(n.Add(1), 10)
	}))
	e := newEnv(t, envConfig{server: []grpcdiag.Option{gen}})
	r1 := e.check(context.Background())
	r2 := e.watch(context.Background())
	require.NoError(t, r1.err)
	require.NoError(t, r2.err)
	assert.Equal(t, "gen-1", r1.echoed(grpcdiag.DefaultMetadataKey))
	assert.Equal(t, "gen-2", r2.echoed(grpcdiag.DefaultMetadataKey))
	assert.Equal(t, uint64(2), e.stats.Generated())
}

// TestLaxValidator checks that a validator that accepts anything still
// cannot let in an ID that gRPC metadata cannot carry: it is refused and
// replaced, in the context and in the echoed header.
func TestLaxValidator(t *testing.T) {
	const id = "lax\tid"
	stats := new(correlation.Stats)
	opts := []grpcdiag.Option{grpcdiag.WithCorrelation(
		correlation.WithValidator(func(string) bool { return true }),
		correlation.WithStats(stats),
	)}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(grpcdiag.DefaultMetadataKey, id))

	for _, d := range []direct{
		callUnary(t, grpcdiag.UnaryServerInterceptor(opts...), ctx),
		callStream(t, grpcdiag.StreamServerInterceptor(opts...), ctx),
	} {
		assert.NotEqual(t, id, d.id)
		assert.True(t, correlation.ValidID(d.id))
		assert.Equal(t, []string{d.id}, d.header.Get(grpcdiag.DefaultMetadataKey))
	}
	assert.Equal(t, uint64(2), stats.Rejected())
}
