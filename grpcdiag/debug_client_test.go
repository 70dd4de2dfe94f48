package grpcdiag_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/baggage"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// withBaggage returns ctx with the baggage members.
func withBaggage(ctx context.Context, members ...string) context.Context {
	b, err := baggage.Parse(strings.Join(members, ","))
	if err != nil {
		panic(err)
	}
	return baggage.ContextWithBaggage(ctx, b)
}

// sampled returns a context that a Sampler began as mode, as a server's
// handler gets it.
func sampled(mode debugsample.Mode) context.Context {
	ctx, _ := debugsample.NewSampler().Begin(context.Background(), debugsample.Decision{Mode: mode})
	return ctx
}

// TestDebugClientMetadata calls the client interceptors without a
// connection and checks the baggage values of the outgoing metadata.
func TestDebugClientMetadata(t *testing.T) {
	noop := grpcdiag.WithTracing(tracing.WithTracerProvider(tracenoop.NewTracerProvider()),
		tracing.WithMeterProvider(metricnoop.NewMeterProvider()))
	noopTraceContext := grpcdiag.WithTracing(tracing.WithTracerProvider(tracenoop.NewTracerProvider()),
		tracing.WithMeterProvider(metricnoop.NewMeterProvider()), tracing.WithPropagator(propagation.TraceContext{}))
	debug := grpcdiag.WithDebugSample()
	tests := []struct {
		name string
		opts []grpcdiag.Option
		ctx  context.Context
		want []string // baggage values sent
	}{
		{"live", []grpcdiag.Option{debug}, sampled(debugsample.Live), []string{"reprokit.debug=live"}},
		{"buffered", []grpcdiag.Option{debug}, sampled(debugsample.Buffered), []string{"reprokit.debug=buffered"}},
		{"off sends nothing", []grpcdiag.Option{debug}, sampled(debugsample.Off), nil},
		{"no decision", []grpcdiag.Option{debug}, context.Background(), nil},
		{"unknown mode not sent", []grpcdiag.Option{debug}, withBaggage(context.Background(), "reprokit.debug=loud"), nil},
		{"without WithDebugSample", nil, sampled(debugsample.Live), nil},
		{"only the debug member, not the rest of the baggage", []grpcdiag.Option{debug},
			withBaggage(context.Background(), "tenant=acme", "reprokit.debug=live"), []string{"reprokit.debug=live"}},
		{"beside the caller's baggage", []grpcdiag.Option{debug},
			metadata.AppendToOutgoingContext(sampled(debugsample.Live), "baggage", "tenant=acme"),
			[]string{"tenant=acme", "reprokit.debug=live"}},
		{"the caller's member wins", []grpcdiag.Option{debug},
			metadata.AppendToOutgoingContext(sampled(debugsample.Live), "baggage", "reprokit.debug=buffered"),
			[]string{"reprokit.debug=buffered"}},
		{"tracing sends it with the baggage", []grpcdiag.Option{debug, noop},
			withBaggage(context.Background(), "tenant=acme", "reprokit.debug=live"),
			[]string{"reprokit.debug=live,tenant=acme"}},
		{"tracing alone sends it too", []grpcdiag.Option{noop},
			withBaggage(context.Background(), "reprokit.debug=live"), []string{"reprokit.debug=live"}},
		{"a propagator without baggage", []grpcdiag.Option{debug, noopTraceContext},
			withBaggage(context.Background(), "tenant=acme", "reprokit.debug=live"), []string{"reprokit.debug=live"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/unary", func(t *testing.T) {
			var got context.Context
			invoker := func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
				got = ctx
				return nil
			}
			require.NoError(t, grpcdiag.UnaryClientInterceptor(tt.opts...)(tt.ctx, "/m", nil, nil, nil, invoker))
			md, _ := metadata.FromOutgoingContext(got)
			assert.Equal(t, tt.want, sortedBaggage(md.Get("baggage")))
		})
		t.Run(tt.name+"/stream", func(t *testing.T) {
			var got context.Context
			streamer := func(ctx context.Context, _ *grpc.StreamDesc, _ *grpc.ClientConn, _ string, _ ...grpc.CallOption) (grpc.ClientStream, error) {
				got = ctx
				return nil, nil
			}
			_, err := grpcdiag.StreamClientInterceptor(tt.opts...)(tt.ctx, &grpc.StreamDesc{ServerStreams: true}, nil, "/m", streamer)
			require.NoError(t, err)
			md, _ := metadata.FromOutgoingContext(got)
			assert.Equal(t, tt.want, sortedBaggage(md.Get("baggage")))
		})
	}
}

// sortedBaggage returns the baggage values with the members of each in
// order, since the propagator writes them in map order; nil for none.
func sortedBaggage(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	out := make([]string, len(values))
	for i, v := range values {
		members := strings.Split(v, ",")
		for j := range members {
			members[j] = strings.TrimSpace(members[j])
		}
		slices.Sort(members)
		out[i] = strings.Join(members, ",")
	}
	return out
}

// TestDebugHop checks, across two real servers, that the decision a call
// got on the first travels to the second through the first's client: as
// baggage sent by the tracing propagator, or by WithDebugSample without
// it, and that the second honours it only when it trusts the first.
func TestDebugHop(t *testing.T) {
	tests := []struct {
		name        string
		tracing     []tracing.Option // nil: no tracing anywhere
		clientDebug bool             // the first server's client has WithDebugSample
		trusted     bool             // the second server trusts 127.0.0.0/8
		sent        bool             // the member reaches the second server
	}{
		{"debug client, trusted", nil, true, true, true},
		{"debug client, untrusted", nil, true, false, true},
		{"plain client sends nothing", nil, false, true, false},
		{"tracing, trusted", []tracing.Option{}, false, true, true},
		{"tracing, untrusted", []tracing.Option{}, false, false, true},
		{"tracing without baggage, debug client", []tracing.Option{tracing.WithPropagator(propagation.TraceContext{})}, true, true, true},
		{"tracing without baggage, plain client", []tracing.Option{tracing.WithPropagator(propagation.TraceContext{})}, false, true, false},
	}
	for _, tt := range tests {
		for _, c := range serviceCalls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				var traced []grpcdiag.Option
				if tt.tracing != nil {
					traced = []grpcdiag.Option{newTelemetry(t).option(tt.tracing...)}
				}
				trust := netip.MustParsePrefix("10.0.0.0/8")
				if tt.trusted {
					trust = netip.MustParsePrefix("127.0.0.0/8")
				}
				second := new(debugsample.Stats)
				clientOpts := traced
				if tt.clientDebug {
					clientOpts = slices.Concat(traced, []grpcdiag.Option{grpcdiag.WithDebugSample()})
				}
				// The second server, and the first server's client to it.
				b := newEnv(t, envConfig{debugLog: true, client: clientOpts,
					server: slices.Concat(traced, []grpcdiag.Option{
						grpcdiag.WithDebugSample(debugsample.WithStats(second), debugsample.WithTrustedPeers(trust))})})
				first := new(debugsample.Stats)
				a := newEnv(t, envConfig{debugLog: true, next: b.health,
					server: slices.Concat(traced, []grpcdiag.Option{
						grpcdiag.WithDebugSample(debugsample.WithStats(first), debugsample.WithTokenKeys(debugKey))})})

				r := c.do(a, withToken("hop", mintToken(t, "*")), "")
				require.NoError(t, r.err)
				assert.Equal(t, "live/token", r.seen(trailerDebug), "the first server")
				assert.Equal(t, uint64(1), first.Decisions(debugsample.Live))

				lines := linesWith(t, b.logs.Bytes(), c.debug)
				switch {
				case tt.sent && tt.trusted:
					require.Len(t, lines, 1, "the second server logs live")
					assert.Equal(t, uint64(1), second.Decisions(debugsample.Live))
					assert.NotContains(t, lines[0], "debug_buffered")
					assert.Equal(t, "hop", lines[0][correlation.DefaultLogKey], "the same correlation ID")
				case tt.sent:
					assert.Empty(t, lines)
					assert.Equal(t, uint64(1), second.BaggageIgnored())
					assert.Equal(t, uint64(1), second.Decisions(debugsample.Off))
				default:
					assert.Empty(t, lines)
					assert.Equal(t, uint64(0), second.BaggageIgnored())
					assert.Equal(t, uint64(1), second.Decisions(debugsample.Off))
				}
			})
		}
	}
}
