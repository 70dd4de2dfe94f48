package grpcdiag_test

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/grpcdiag"
)

// TestTrustedProxiesDirect checks the trust policy against fabricated
// peers.
func TestTrustedProxiesDirect(t *testing.T) {
	proxies := grpcdiag.WithCorrelation(correlation.WithTrustedProxies(
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	))
	tcp := func(s string) net.Addr {
		return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s))
	}
	tests := []struct {
		name    string
		addr    net.Addr // nil: no peer in the context
		trusted bool
	}{
		{"IPv4 inside", tcp("10.1.2.3:5000"), true},
		{"IPv4 outside", tcp("192.0.2.1:5000"), false},
		{"IPv4-mapped IPv6 inside", tcp("[::ffff:10.1.2.3]:5000"), true},
		{"IPv6 inside", tcp("[fd00::1]:5000"), true},
		{"IPv6 inside with zone", &net.TCPAddr{IP: net.ParseIP("fd00::1"), Port: 5000, Zone: "eth0"}, true},
		{"IPv6 outside", tcp("[2001:db8::1]:5000"), false},
		{"loopback", tcp("127.0.0.1:5000"), false},
		{"non-TCP address inside", fakeAddr("10.9.9.9:1"), true},
		{"Unix socket", &net.UnixAddr{Name: "/run/app.sock", Net: "unix"}, false},
		{"nil TCP address", (*net.TCPAddr)(nil), false},
		{"no peer", nil, false},
	}
	const id = "proxy-sent-id"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(grpcdiag.DefaultMetadataKey, id))
			if tt.addr != nil {
				ctx = peer.NewContext(ctx, &peer.Peer{Addr: tt.addr})
			}
			for _, kind := range []string{"unary", "stream"} {
				st := new(correlation.Stats)
				opts := []grpcdiag.Option{proxies, grpcdiag.WithCorrelation(correlation.WithStats(st))}
				var d direct
				if kind == "unary" {
					d = callUnary(t, grpcdiag.UnaryServerInterceptor(opts...), ctx)
				} else {
					d = callStream(t, grpcdiag.StreamServerInterceptor(opts...), ctx)
				}
				if tt.trusted {
					assert.Equal(t, id, d.id, kind)
					assert.Equal(t, uint64(1), st.Accepted(), kind)
				} else {
					assert.Regexp(t, uuidV7, d.id, kind)
					assert.Equal(t, []string{d.id}, d.header.Get(grpcdiag.DefaultMetadataKey), kind)
					assert.Equal(t, uint64(1), st.Rejected(), kind)
					assert.Empty(t, metadata.ValueFromIncomingContext(d.ctx, grpcdiag.DefaultMetadataKey), kind)
				}
			}
		})
	}
}

// fakeAddr is a net.Addr of an unknown type whose String is an address.
type fakeAddr string

func (a fakeAddr) Network() string { return "fake" }
func (a fakeAddr) String() string  { return string(a) }

// TestTrustedProxiesRoundTrip checks the policy against the real peer
// address of a connection from 127.0.0.1.
func TestTrustedProxiesRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		prefix  string
		trusted bool
	}{
		{"loopback trusted", "127.0.0.0/8", true},
		{"loopback not trusted", "10.0.0.0/8", false},
	}
	const id = "proxy-sent-id"
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				e := newEnv(t, envConfig{server: []grpcdiag.Option{
					grpcdiag.WithCorrelation(correlation.WithTrustedProxies(netip.MustParsePrefix(tt.prefix))),
				}})
				r := c.do(e, correlation.NewContext(context.Background(), id))
				require.NoError(t, r.err)
				got := r.echoed(grpcdiag.DefaultMetadataKey)
				assert.Equal(t, got, r.seenID())
				if tt.trusted {
					assert.Equal(t, id, got)
					assert.Equal(t, uint64(1), e.stats.Accepted())
				} else {
					assert.Regexp(t, uuidV7, got)
					assert.Equal(t, 0, r.seenValues())
					assert.Equal(t, uint64(1), e.stats.Rejected())
				}
			})
		}
	}
}
