package grpcdiag

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"

	"github.com/reprokit/reprokit/internal/safetext"
)

// Length caps for attribute values that a peer or the program controls.
// Longer values are cut on a rune boundary.
const (
	maxNameLen    = 256  // rpc.service, rpc.method: each
	maxAddressLen = 1024 // server.address, network.peer.address
	maxMessageLen = 1024 // span status descriptions, exception messages
)

// clean makes a value safe to record: valid UTF-8 (OTLP rejects anything
// else, failing the whole batch) and at most max bytes.
func clean(s string, max int) string { return safetext.Clean(s, max) }

// peerString is an IP address and its text form.
type peerString struct {
	addr netip.Addr
	text string
}

// peerCache keeps the text of the last peer address seen, since the calls
// a server gets come mostly from a few peers (its load balancers, say). It
// is safe for concurrent use.
type peerCache struct {
	last atomic.Pointer[peerString]
}

func (c *peerCache) text(a netip.Addr) string {
	if p := c.last.Load(); p != nil && p.addr == a {
		return p.text
	}
	p := &peerString{addr: a, text: clean(a.String(), maxAddressLen)}
	c.last.Store(p)
	return p.text
}

// appendPeerAttrs appends network.peer.address and network.peer.port for
// the call's peer when it is an IP endpoint.
func (c *peerCache) appendPeerAttrs(dst []attribute.KeyValue, ctx context.Context) []attribute.KeyValue {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return dst
	}
	var ap netip.AddrPort
	switch a := p.Addr.(type) {
	case *net.TCPAddr:
		if a == nil {
			return dst
		}
		ap = a.AddrPort()
	default:
		var err error
		if ap, err = netip.ParseAddrPort(a.String()); err != nil {
			return dst
		}
	}
	if !ap.Addr().IsValid() {
		return dst
	}
	dst = append(dst, semconv.NetworkPeerAddressKey.String(c.text(ap.Addr().Unmap())))
	if ap.Port() != 0 {
		dst = append(dst, semconv.NetworkPeerPortKey.Int(int(ap.Port())))
	}
	return dst
}

// target holds the server.address and server.port attributes of the
// client connection cc, parsed once.
type target struct {
	cc    *grpc.ClientConn
	attrs []attribute.KeyValue // read-only
}

// targetCache keeps the target of the last connection seen, which for
// interceptors installed with DialOptions is the only one. It is safe for
// concurrent use.
type targetCache struct {
	last atomic.Pointer[target]
}

// attrs returns the server attributes of cc, nil if cc is nil or its
// target names no server.
func (c *targetCache) attrs(cc *grpc.ClientConn) []attribute.KeyValue {
	if cc == nil {
		return nil
	}
	if t := c.last.Load(); t != nil && t.cc == cc {
		return t.attrs
	}
	t := &target{cc: cc, attrs: targetAttrs(cc.CanonicalTarget())}
	c.last.Store(t)
	return t.attrs
}

// targetAttrs returns server.address and server.port for a canonical
// target, "<scheme>://[authority]/<endpoint>": the endpoint's host and
// port for the DNS and passthrough resolvers (and any other whose endpoint
// reads as host[:port]), the socket path for a Unix one. The port is
// given only when the target names it.
func targetAttrs(canonical string) []attribute.KeyValue {
	u, err := url.Parse(canonical)
	if err != nil || u.Scheme == "" {
		return nil
	}
	var host string
	port := -1
	switch u.Scheme {
	case "unix":
		host = u.Path
		if host == "" {
			host = u.Opaque
		}
	case "unix-abstract":
		host = "@" + strings.TrimPrefix(u.Path, "/")
	default:
		endpoint := strings.TrimPrefix(u.Path, "/")
		if endpoint == "" {
			endpoint = u.Opaque
		}
		host = endpoint
		if h, p, err := net.SplitHostPort(endpoint); err == nil {
			host = h
			if n, err := strconv.ParseUint(p, 10, 16); err == nil && n > 0 {
				port = int(n)
			}
		}
	}
	if host == "" || host == "@" {
		return nil
	}
	attrs := []attribute.KeyValue{semconv.ServerAddressKey.String(clean(host, maxAddressLen))}
	if port > 0 {
		attrs = append(attrs, semconv.ServerPortKey.Int(port))
	}
	return attrs
}
