package grpcdiag_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// TestConcurrentCalls makes unary and streaming calls from many goroutines
// over one connection; each must get its own ID back, in the handler and in
// the response header. Run it with -race.
func TestConcurrentCalls(t *testing.T) {
	e := newEnv(t, envConfig{})
	const (
		workers = 32
		perG    = 20
	)
	var wg sync.WaitGroup
	errs := make(chan error, workers*perG)
	for g := range workers {
		wg.Go(func() {
			for i := range perG {
				// Every third call brings no ID, so the server makes one.
				var ctx context.Context = context.Background()
				want := ""
				if i%3 != 0 {
					want = fmt.Sprintf("g%d-call%d", g, i)
					ctx = correlation.NewContext(ctx, want)
				}
				c := calls[(g+i)%len(calls)]
				r := c.do(e, ctx)
				if r.err != nil {
					errs <- fmt.Errorf("%s %d/%d: %w", c.name, g, i, r.err)
					continue
				}
				got := r.echoed(grpcdiag.DefaultMetadataKey)
				if want == "" && !uuidV7.MatchString(got) || want != "" && got != want || r.seenID() != got {
					errs <- fmt.Errorf("%s %d/%d: want %q, echoed %q, handler saw %q", c.name, g, i, want, got, r.seenID())
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := uint64(workers * perG)
	assert.Equal(t, total, e.stats.Accepted()+e.stats.Generated())
	assert.Equal(t, uint64(0), e.stats.Rejected())
	ids := idsLogged(t, e.logs.Bytes(), "check")
	ids = append(ids, idsLogged(t, e.logs.Bytes(), "watch")...)
	require.Len(t, ids, int(total), "one log line a call, each with an ID")
	for _, id := range ids {
		require.NotEmpty(t, id)
	}
}

// TestConcurrentDirect shares one pair of server interceptors between
// goroutines without a server.
func TestConcurrentDirect(t *testing.T) {
	st := new(correlation.Stats)
	opts := []grpcdiag.Option{grpcdiag.WithCorrelation(correlation.WithStats(st))}
	unary := grpcdiag.UnaryServerInterceptor(opts...)
	stream := grpcdiag.StreamServerInterceptor(opts...)
	const workers, perG = 16, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perG {
				ts := new(transportStream)
				ctx := grpc.NewContextWithServerTransportStream(context.Background(), ts)
				var seen string
				_, err := unary(ctx, nil, &grpc.UnaryServerInfo{}, func(ctx context.Context, _ any) (any, error) {
					seen, _ = correlation.FromContext(ctx)
					return nil, nil
				})
				assert.NoError(t, err)
				assert.Equal(t, []string{seen}, ts.Header().Get(grpcdiag.DefaultMetadataKey))

				ss := &serverStream{ctx: context.Background()}
				err = stream(nil, ss, &grpc.StreamServerInfo{}, func(_ any, s grpc.ServerStream) error {
					seen, _ = correlation.FromContext(s.Context())
					return nil
				})
				assert.NoError(t, err)
				assert.Equal(t, []string{seen}, ss.Header().Get(grpcdiag.DefaultMetadataKey))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uint64(workers*perG*2), st.Generated())
}

// TestTracingConcurrent makes traced unary and streaming calls, some
// failing, from many goroutines over one connection, both sides recording
// into one SDK: every server span must be the child of its own client
// span, carry its own ID, and the metrics must count every call. Run it
// with -race.
func TestTracingConcurrent(t *testing.T) {
	tel := newTelemetry(t)
	e := newEnv(t, envConfig{server: []grpcdiag.Option{tel.option()}, client: []grpcdiag.Option{tel.option()}})
	const (
		workers = 16
		perG    = 20
		total   = workers * perG
	)
	services := []string{"", serviceInternal, serviceNotFound}
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range perG {
				id := fmt.Sprintf("g%d-call%d", g, i)
				c := tracedCalls[(g+i)%len(tracedCalls)]
				r := c.do(e, correlation.NewContext(context.Background(), id), services[i%len(services)])
				if r.seenID() != id {
					t.Errorf("%s %s: handler saw %q (%v)", c.kind, id, r.seenID(), r.err)
				}
			}
		})
	}
	wg.Wait()

	spans := tel.ended()
	require.Len(t, spans, 2*total)
	clients := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindClient {
			clients[s.SpanContext().SpanID()] = s
		}
	}
	require.Len(t, clients, total)
	ids := map[string]bool{}
	for _, s := range spans {
		if s.SpanKind() != trace.SpanKindServer {
			continue
		}
		c, ok := clients[s.Parent().SpanID()]
		require.True(t, ok, "server span %s has no client parent", s.Name())
		assert.Equal(t, c.SpanContext().TraceID(), s.SpanContext().TraceID())
		id := attrs(s.Attributes())[tracing.CorrelationIDKey].AsString()
		assert.Equal(t, id, attrs(c.Attributes())[tracing.CorrelationIDKey].AsString())
		assert.False(t, ids[id], "ID %s on two server spans", id)
		ids[id] = true
	}
	for _, name := range []string{"rpc.server.duration", "rpc.client.duration"} {
		h, _ := tel.histogram(t, name)
		var n uint64
		for _, dp := range h.DataPoints {
			n += dp.Count
			assert.Equal(t, boundedKeys, keys(dp.Attributes))
		}
		assert.Equal(t, uint64(total), n, name)
		assert.Len(t, h.DataPoints, 2*3, "%s: two methods, three codes", name)
	}
}
