package grpcdiag_test

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/otel/baggage"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/reprokit/reprokit/debugsample"
	"github.com/reprokit/reprokit/grpcdiag"
)

// TestDebugBaggageTrust checks, against fabricated peers, that the debug
// baggage member of a caller is honoured only from a trusted peer; from
// any other it is ignored, counted, and gone from the handler's baggage,
// so that it travels no further, while the rest of the baggage stays
// (with tracing, which extracts it).
func TestDebugBaggageTrust(t *testing.T) {
	tests := []struct {
		name    string
		addr    net.Addr // nil: no peer in the context
		trusted bool
	}{
		{"IPv4 inside", tcpAddr("10.1.2.3:5000"), true},
		{"IPv4-mapped inside", tcpAddr("[::ffff:10.1.2.3]:5000"), true},
		{"IPv6 inside", tcpAddr("[fd00::1]:5000"), true},
		{"IPv4 outside", tcpAddr("192.0.2.1:5000"), false},
		{"loopback outside", tcpAddr("127.0.0.1:5000"), false},
		{"Unix socket", &net.UnixAddr{Name: "/run/app.sock", Net: "unix"}, false},
		{"no peer", nil, false},
	}
	for _, tt := range tests {
		for _, traced := range []bool{false, true} {
			for _, kind := range []string{"unary", "stream"} {
				name := tt.name + "/" + kind
				if traced {
					name += "/traced"
				}
				t.Run(name, func(t *testing.T) {
					st := new(debugsample.Stats)
					opts := []grpcdiag.Option{grpcdiag.WithDebugSample(debugsample.WithStats(st),
						debugsample.WithTrustedPeers(netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")))}
					if traced {
						opts = append(opts, newTelemetry(t).option())
					}
					ctx := metadata.NewIncomingContext(context.Background(),
						metadata.Pairs("baggage", "tenant=acme,reprokit.debug=live"))
					if tt.addr != nil {
						ctx = peer.NewContext(ctx, &peer.Peer{Addr: tt.addr})
					}
					var d direct
					if kind == "unary" {
						d = callUnary(t, grpcdiag.UnaryServerInterceptor(opts...), ctx)
					} else {
						d = callStream(t, grpcdiag.StreamServerInterceptor(opts...), ctx)
					}
					dec, ok := debugsample.FromContext(d.ctx)
					assert.True(t, ok, "the handler's context carries a decision")
					member := baggage.FromContext(d.ctx).Member(debugsample.BaggageKey)
					if tt.trusted {
						assert.Equal(t, debugsample.Live, dec.Mode)
						assert.Equal(t, debugsample.ReasonBaggage, dec.Reason)
						assert.Equal(t, "live", member.Value(), "the member travels on")
						assert.Equal(t, uint64(0), st.BaggageIgnored())
					} else {
						assert.Equal(t, debugsample.Off, dec.Mode)
						assert.Empty(t, member.Key(), "the member is gone from the handler's baggage")
						assert.Equal(t, uint64(1), st.BaggageIgnored())
					}
					if traced {
						assert.Equal(t, "acme", baggage.FromContext(d.ctx).Member("tenant").Value(), "the rest of the baggage stays")
					}
				})
			}
		}
	}
}
