package grpcdiag_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
)

// TestClientOutgoing calls the client interceptors without a connection
// and checks the outgoing metadata the invoker or streamer gets.
func TestClientOutgoing(t *testing.T) {
	key := grpcdiag.DefaultMetadataKey
	tests := []struct {
		name string
		ctx  context.Context
		want metadata.MD // outgoing metadata, nil if none
	}{
		{"no ID", context.Background(), nil},
		{"ID", correlation.NewContext(context.Background(), "abc-123"), metadata.MD{key: {"abc-123"}}},
		{"ID and other metadata",
			metadata.AppendToOutgoingContext(correlation.NewContext(context.Background(), "abc-123"), "other", "1"),
			metadata.MD{key: {"abc-123"}, "other": {"1"}}},
		{"printable but not a valid incoming ID is still sent",
			correlation.NewContext(context.Background(), "a b/c"),
			metadata.MD{key: {"a b/c"}}},
		{"explicit metadata wins",
			metadata.AppendToOutgoingContext(correlation.NewContext(context.Background(), "abc-123"), key, "mine"),
			metadata.MD{key: {"mine"}}},
		{"explicit empty key does not block the ID",
			metadata.NewOutgoingContext(correlation.NewContext(context.Background(), "abc-123"), metadata.MD{key: {}}),
			metadata.MD{key: {"abc-123"}}},
		{"CR LF not sent", correlation.NewContext(context.Background(), "abc\r\nx-evil: 1"), nil},
		{"NUL not sent", correlation.NewContext(context.Background(), "abc\x00"), nil},
		{"tab not sent", correlation.NewContext(context.Background(), "abc\tdef"), nil},
		{"DEL not sent", correlation.NewContext(context.Background(), "abc\x7f"), nil},
		{"U+202E not sent", correlation.NewContext(context.Background(), "abc\u202e"), nil},
		{"invalid UTF-8 not sent", correlation.NewContext(context.Background(), "abc\xff"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/unary", func(t *testing.T) {
			var got context.Context
			invoker := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
				got = ctx
				return nil
			}
			err := grpcdiag.UnaryClientInterceptor()(tt.ctx, "/m", nil, nil, nil, invoker)
			require.NoError(t, err)
			md, _ := metadata.FromOutgoingContext(got)
			require.Equal(t, tt.want, nonEmpty(md))
		})
		t.Run(tt.name+"/stream", func(t *testing.T) {
			var got context.Context
			streamer := func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
				got = ctx
				return nil, nil
			}
			_, err := grpcdiag.StreamClientInterceptor()(tt.ctx, &grpc.StreamDesc{ServerStreams: true}, nil, "/m", streamer)
			require.NoError(t, err)
			md, _ := metadata.FromOutgoingContext(got)
			require.Equal(t, tt.want, nonEmpty(md))
		})
	}
}

// nonEmpty returns md without its keys that hold no value, or nil if none
// is left, since gRPC sends nothing for them.
func nonEmpty(md metadata.MD) metadata.MD {
	var out metadata.MD
	for k, v := range md {
		if len(v) == 0 {
			continue
		}
		if out == nil {
			out = metadata.MD{}
		}
		out[k] = v
	}
	return out
}

// TestClientDoesNotModifyCallerContext checks that the caller's context and
// its metadata are left as they were.
func TestClientDoesNotModifyCallerContext(t *testing.T) {
	md := metadata.Pairs("other", "1")
	ctx := metadata.NewOutgoingContext(correlation.NewContext(context.Background(), "abc-123"), md)
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	require.NoError(t, grpcdiag.UnaryClientInterceptor()(ctx, "/m", nil, nil, nil, invoker))
	require.Equal(t, metadata.Pairs("other", "1"), md)
	after, _ := metadata.FromOutgoingContext(ctx)
	require.Equal(t, metadata.Pairs("other", "1"), after)
}
