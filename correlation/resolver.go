package correlation

import (
	"net/http"
	"net/netip"
	"strings"
)

// Outcome says how a request got its ID.
type Outcome uint8

const (
	// Generated means the request carried no ID and a new one was made.
	Generated Outcome = iota
	// Accepted means the request's own ID was valid and trusted, and kept.
	Accepted
	// Rejected means the request carried an ID that was refused (invalid,
	// sent more than once, or from an untrusted peer) and a new one was
	// made. The refused value is not kept anywhere.
	Rejected
)

// String returns "generated", "accepted" or "rejected".
func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "accepted"
	case Rejected:
		return "rejected"
	default:
		return "generated"
	}
}

// Resolver decides the correlation ID of incoming requests: it is the
// per-request step that [NewMiddleware] and the gRPC interceptors of
// package grpcdiag wrap, exported so that a fused middleware stack or
// another transport can call it directly. A Resolver is safe for concurrent
// use.
type Resolver struct {
	cfg config
}

// NewResolver returns a Resolver configured by opts.
func NewResolver(opts ...Option) *Resolver {
	return &Resolver{cfg: newConfig(opts)}
}

// Header returns the canonical name of the header that carries the ID.
func (r *Resolver) Header() string { return r.cfg.header }

// Stats returns the counters this Resolver adds to: the one given with
// [WithStats], or its own.
func (r *Resolver) Stats() *Stats { return r.cfg.stats }

// Resolve returns the ID for a request that arrived from peer carrying
// values, the values of the first ID header present on it (nil if none),
// and how the ID was decided. An ID is accepted only if there is exactly one
// value, it passes the validator, incoming IDs are trusted, and peer is a
// trusted proxy when [WithTrustedProxies] is in force (an invalid peer is
// never trusted then). Otherwise a new ID is made. The outcome is counted in
// [Resolver.Stats].
func (r *Resolver) Resolve(values []string, peer netip.Addr) (string, Outcome) {
	out := Generated
	if len(values) > 0 {
		if len(values) == 1 && r.trusted(peer) && r.cfg.validate(values[0]) {
			r.cfg.stats.count(Accepted)
			return values[0], Accepted
		}
		out = Rejected
	}
	r.cfg.stats.count(out)
	return r.newID(), out
}

// ResolveRequest is [Resolver.Resolve] for an HTTP request: it reads the
// ID headers of req and takes the peer from req.RemoteAddr.
func (r *Resolver) ResolveRequest(req *http.Request) (string, Outcome) {
	values := r.incoming(req.Header)
	if len(values) == 0 {
		return r.Resolve(nil, netip.Addr{})
	}
	var peer netip.Addr
	if r.cfg.restrictPeers {
		peer = remoteAddr(req.RemoteAddr)
	}
	return r.Resolve(values, peer)
}

// incoming returns the values of the first accepted header present in h.
func (r *Resolver) incoming(h http.Header) []string {
	for _, name := range r.cfg.accept {
		if v := h[name]; len(v) > 0 {
			return v
		}
	}
	return nil
}

func (r *Resolver) trusted(peer netip.Addr) bool {
	if !r.cfg.trustIncoming {
		return false
	}
	if !r.cfg.restrictPeers {
		return true
	}
	if !peer.IsValid() {
		return false
	}
	peer = peer.Unmap()
	for _, p := range r.cfg.proxies {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

func (r *Resolver) newID() string {
	id := r.cfg.generate()
	if !Printable(id) {
		return NewID()
	}
	return id
}

// remoteAddr parses the address part of an http.Request.RemoteAddr
// ("host:port", or a bare host). It returns the zero Addr when it cannot.
func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr()
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a
	}
	return netip.Addr{}
}
