package grpcdiag_test

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/baggage"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/reprokit/reprokit/grpcdiag"
	"github.com/reprokit/reprokit/tracing"
)

// A caller's trace context, sampled, as it arrives in metadata.
const (
	callerTraceID  = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpanID   = "00f067aa0ba902b7"
	callerParent   = "00-" + callerTraceID + "-" + callerSpanID + "-01"
	callerBaggage  = "tenant=acme"
	callerTenantID = "acme"
)

// callerContext returns a context with incoming metadata with the caller's trace context
// and baggage, and a peer at addr unless addr is nil.
func callerContext(addr net.Addr) context.Context {
	ctx := metadata.NewIncomingContext(context.Background(),
		metadata.Pairs("traceparent", callerParent, "baggage", callerBaggage))
	if addr != nil {
		ctx = peer.NewContext(ctx, &peer.Peer{Addr: addr})
	}
	return ctx
}

func tcpAddr(s string) net.Addr {
	return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s))
}

// TestTracingTrustDirect checks the trust policy for the incoming trace
// context against fabricated peers: a trusted caller's context is the
// parent and its baggage reaches the handler; an untrusted caller's is a
// link from a new root, and its baggage is dropped.
func TestTracingTrustDirect(t *testing.T) {
	proxies := tracing.WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8"))
	tests := []struct {
		name    string
		opts    []tracing.Option
		addr    net.Addr // nil: no peer in the context
		trusted bool
	}{
		{"default trusts any peer", nil, tcpAddr("192.0.2.1:5000"), true},
		{"default trusts an unknown peer", nil, nil, true},
		{"public endpoint", []tracing.Option{tracing.WithPublicEndpoint()}, tcpAddr("10.1.2.3:5000"), false},
		{"proxy inside", []tracing.Option{proxies}, tcpAddr("10.1.2.3:5000"), true},
		{"proxy IPv4-mapped inside", []tracing.Option{proxies}, tcpAddr("[::ffff:10.1.2.3]:5000"), true},
		{"proxy IPv6 inside", []tracing.Option{proxies}, tcpAddr("[fd00::1]:5000"), true},
		{"peer outside the proxies", []tracing.Option{proxies}, tcpAddr("192.0.2.1:5000"), false},
		{"loopback outside the proxies", []tracing.Option{proxies}, tcpAddr("127.0.0.1:5000"), false},
		{"Unix socket", []tracing.Option{proxies}, &net.UnixAddr{Name: "/run/app.sock", Net: "unix"}, false},
		{"no peer", []tracing.Option{proxies}, nil, false},
		{"public wins over proxies", []tracing.Option{proxies, tracing.WithPublicEndpoint()}, tcpAddr("10.1.2.3:5000"), false},
	}
	for _, tt := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				tel := newTelemetry(t)
				opt := tel.option(tt.opts...)
				var d direct
				if kind == "unary" {
					d = callUnary(t, grpcdiag.UnaryServerInterceptor(opt), callerContext(tt.addr))
				} else {
					d = callStream(t, grpcdiag.StreamServerInterceptor(opt), callerContext(tt.addr))
				}
				s := tel.span(t, trace.SpanKindServer)
				requireCleanSpan(t, s)
				assert.Equal(t, s.SpanContext(), trace.SpanContextFromContext(d.ctx), "the handler's span")
				if tt.trusted {
					assert.Equal(t, callerTraceID, s.SpanContext().TraceID().String())
					assert.Equal(t, callerSpanID, s.Parent().SpanID().String())
					assert.Empty(t, s.Links())
					assert.Equal(t, callerTenantID, baggage.FromContext(d.ctx).Member("tenant").Value())
					return
				}
				assert.False(t, s.Parent().IsValid(), "a new root")
				assert.NotEqual(t, callerTraceID, s.SpanContext().TraceID().String())
				require.Len(t, s.Links(), 1)
				assert.Equal(t, callerTraceID, s.Links()[0].SpanContext.TraceID().String())
				assert.Equal(t, callerSpanID, s.Links()[0].SpanContext.SpanID().String())
				assert.Zero(t, baggage.FromContext(d.ctx).Len(), "the caller's baggage is dropped")
			})
		}
	}
}

// TestTracingUntrustedSampling checks that an untrusted caller's sampled
// flag does not decide for this service: under a sampler that samples only
// what the parent sampled, the public server's span is not sampled, while a
// trusting server's is.
func TestTracingUntrustedSampling(t *testing.T) {
	for _, tt := range []struct {
		name    string
		opts    []tracing.Option
		sampled bool
	}{
		{"trusted", nil, true},
		{"public endpoint", []tracing.Option{tracing.WithPublicEndpoint()}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t, sdktrace.ParentBased(sdktrace.NeverSample()))
			d := callUnary(t, grpcdiag.UnaryServerInterceptor(tel.option(tt.opts...)), callerContext(tcpAddr("192.0.2.1:5000")))
			sc := trace.SpanContextFromContext(d.ctx)
			assert.True(t, sc.IsValid())
			assert.Equal(t, tt.sampled, sc.IsSampled())
			if tt.sampled {
				assert.Len(t, tel.ended(), 1)
			} else {
				assert.Empty(t, tel.ended())
			}
		})
	}
}

// TestTracingTrustRoundTrip checks the policy against the real peer of a
// connection from 127.0.0.1: the traced client's span is the parent of the
// server span when the server trusts the peer, a link from a new root when
// it does not.
func TestTracingTrustRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		opts    []tracing.Option
		trusted bool
	}{
		{"default", nil, true},
		{"public endpoint", []tracing.Option{tracing.WithPublicEndpoint()}, false},
		{"loopback proxy", []tracing.Option{tracing.WithTrustedProxies(netip.MustParsePrefix("127.0.0.0/8"))}, true},
		{"other proxies", []tracing.Option{tracing.WithTrustedProxies(netip.MustParsePrefix("10.0.0.0/8"))}, false},
	}
	for _, tt := range tests {
		for _, c := range tracedCalls {
			t.Run(tt.name+"/"+c.kind, func(t *testing.T) {
				tel := newTelemetry(t)
				e := newEnv(t, envConfig{
					server: []grpcdiag.Option{tel.option(tt.opts...)},
					client: []grpcdiag.Option{tel.option()},
				})
				bag, err := baggage.New(must(baggage.NewMember("tenant", callerTenantID)))
				require.NoError(t, err)
				r := c.do(e, baggage.ContextWithBaggage(context.Background(), bag), "")
				require.NoError(t, r.err)
				cs := tel.span(t, trace.SpanKindClient)
				ss := tel.span(t, trace.SpanKindServer)
				if tt.trusted {
					assert.Equal(t, cs.SpanContext().SpanID(), ss.Parent().SpanID())
					assert.Equal(t, cs.SpanContext().TraceID(), ss.SpanContext().TraceID())
					assert.Equal(t, callerBaggage, r.seen(trailerBaggage))
					return
				}
				assert.False(t, ss.Parent().IsValid())
				assert.NotEqual(t, cs.SpanContext().TraceID(), ss.SpanContext().TraceID())
				require.Len(t, ss.Links(), 1)
				assert.Equal(t, cs.SpanContext().TraceID(), ss.Links()[0].SpanContext.TraceID())
				assert.Equal(t, cs.SpanContext().SpanID(), ss.Links()[0].SpanContext.SpanID())
				assert.Empty(t, r.seen(trailerBaggage))
			})
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
