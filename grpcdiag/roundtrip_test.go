package grpcdiag_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
)

// calls are the two kinds of call the round-trip tests make, with the
// message their handler logs.
var calls = []struct {
	name string
	msg  string
	do   func(*env, context.Context) callResult
}{
	{"unary", "check", (*env).check},
	{"stream", "watch", (*env).watch},
}

func TestRoundTripContextID(t *testing.T) {
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envConfig{})
			const id = "0192f0c1-client-request-1"
			r := c.do(e, correlation.NewContext(context.Background(), id))
			require.NoError(t, r.err)
			assert.Equal(t, id, r.seenID(), "the handler's context")
			assert.Equal(t, 1, r.seenValues(), "the handler's incoming metadata")
			assert.Equal(t, id, r.echoed(grpcdiag.DefaultMetadataKey), "the response header")
			assert.Equal(t, []string{id}, idsLogged(t, e.logs.Bytes(), c.msg), "the handler's log line")
			assert.Equal(t, uint64(1), e.stats.Accepted())
			assert.Equal(t, uint64(0), e.stats.Generated())
			assert.Empty(t, e.libLogs.Bytes(), "no warnings")
		})
	}
}

func TestRoundTripGenerated(t *testing.T) {
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envConfig{})
			r := c.do(e, context.Background())
			require.NoError(t, r.err)
			id := r.echoed(grpcdiag.DefaultMetadataKey)
			require.Regexp(t, uuidV7, id, "the server makes a UUIDv7 and echoes it")
			assert.Equal(t, id, r.seenID())
			assert.Equal(t, 0, r.seenValues())
			assert.Equal(t, []string{id}, idsLogged(t, e.logs.Bytes(), c.msg))
			assert.Equal(t, uint64(1), e.stats.Generated())
			assert.Equal(t, uint64(0), e.stats.Rejected())
		})
	}
}

func TestRoundTripDistinctGeneratedIDs(t *testing.T) {
	e := newEnv(t, envConfig{})
	seen := make(map[string]bool)
	for range 20 {
		r := e.check(context.Background())
		require.NoError(t, r.err)
		id := r.echoed(grpcdiag.DefaultMetadataKey)
		require.False(t, seen[id], "ID %q made twice", id)
		seen[id] = true
	}
}

// TestRoundTripExplicitMetadataWins checks that an ID the caller put in the
// outgoing metadata is sent instead of the context's.
func TestRoundTripExplicitMetadataWins(t *testing.T) {
	const fromMD = "explicit-metadata-id"
	tests := []struct {
		name string
		ctx  func(context.Context) context.Context
	}{
		{"NewOutgoingContext", func(ctx context.Context) context.Context {
			return metadata.NewOutgoingContext(ctx, metadata.Pairs(grpcdiag.DefaultMetadataKey, fromMD))
		}},
		{"AppendToOutgoingContext", func(ctx context.Context) context.Context {
			return metadata.AppendToOutgoingContext(ctx, grpcdiag.DefaultMetadataKey, fromMD)
		}},
		{"appended in upper case among other keys", func(ctx context.Context) context.Context {
			ctx = metadata.NewOutgoingContext(ctx, metadata.Pairs("other", "1"))
			return metadata.AppendToOutgoingContext(ctx, "X-REQUEST-ID", fromMD)
		}},
	}
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				e := newEnv(t, envConfig{})
				ctx := tt.ctx(correlation.NewContext(context.Background(), "context-id"))
				r := c.do(e, ctx)
				require.NoError(t, r.err)
				assert.Equal(t, fromMD, r.echoed(grpcdiag.DefaultMetadataKey))
				assert.Equal(t, fromMD, r.seenID())
				assert.Equal(t, 1, r.seenValues(), "one value: the context's must not be added")
				assert.Equal(t, uint64(1), e.stats.Accepted())
			})
		}
	}
}

// TestRoundTripCustomHeader moves the ID to another key on both sides.
func TestRoundTripCustomHeader(t *testing.T) {
	const key = "x-correlation-id"
	hdr := grpcdiag.WithCorrelation(correlation.WithHeader("X-Correlation-ID"))
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, envConfig{server: []grpcdiag.Option{hdr}, client: []grpcdiag.Option{hdr}, key: key})
			const id = "custom-key-id"
			r := c.do(e, correlation.NewContext(context.Background(), id))
			require.NoError(t, r.err)
			assert.Equal(t, id, r.echoed(key))
			assert.Empty(t, r.header.Get(grpcdiag.DefaultMetadataKey))
			assert.Equal(t, id, r.seenID())
			assert.Equal(t, 1, r.seenValues())
			assert.Empty(t, e.libLogs.Bytes(), "no warnings")
		})
	}
}
