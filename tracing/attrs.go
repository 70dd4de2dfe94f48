package tracing

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/safetext"
)

// CorrelationIDKey is the span attribute that carries the request's
// correlation ID (see package correlation).
const CorrelationIDKey = attribute.Key("correlation.id")

// Length caps for attribute values taken from the request, which a caller
// controls. Longer values are cut on a rune boundary.
const (
	maxPathLen      = 2048
	maxUserAgentLen = 512
	maxHeaderLen    = 1024
	maxMethodLen    = 32
)

// knownMethods are the methods the HTTP semantic conventions name; any
// other becomes "_OTHER" so that metric series stay bounded.
var knownMethods = map[string]attribute.KeyValue{
	http.MethodConnect: semconv.HTTPRequestMethodConnect,
	http.MethodDelete:  semconv.HTTPRequestMethodDelete,
	http.MethodGet:     semconv.HTTPRequestMethodGet,
	http.MethodHead:    semconv.HTTPRequestMethodHead,
	http.MethodOptions: semconv.HTTPRequestMethodOptions,
	http.MethodPatch:   semconv.HTTPRequestMethodPatch,
	http.MethodPost:    semconv.HTTPRequestMethodPost,
	http.MethodPut:     semconv.HTTPRequestMethodPut,
	http.MethodTrace:   semconv.HTTPRequestMethodTrace,
}

// method returns the http.request.method attribute, the method as it
// appears in span names, and whether it is a known one.
func method(m string) (attribute.KeyValue, string, bool) {
	if kv, ok := knownMethods[m]; ok {
		return kv, m, true
	}
	return semconv.HTTPRequestMethodOther, "HTTP", false
}

// clean makes an untrusted value safe to record: valid UTF-8 (OTLP rejects
// anything else, failing the whole batch) and at most max bytes.
func clean(s string, max int) string { return safetext.Clean(s, max) }

// protoVersion returns network.protocol.version for a request: "1.0",
// "1.1", "2", "3".
func protoVersion(major, minor int) string {
	switch {
	case major == 1 && minor == 1:
		return "1.1"
	case major == 1 && minor == 0:
		return "1.0"
	case major == 2:
		return "2"
	case major == 3:
		return "3"
	}
	return strconv.Itoa(major) + "." + strconv.Itoa(minor)
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// splitHostPort splits a host[:port] the way a Host header or URL host is
// written. port is -1 when absent or invalid.
func splitHostPort(hostport string) (host string, port int) {
	port = -1
	if i := strings.LastIndexByte(hostport, ':'); i < 0 || i < strings.LastIndexByte(hostport, ']') {
		// No port: skip net.SplitHostPort, which allocates an error.
		return strings.Trim(hostport, "[]"), port
	}
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host = h
		if n, err := strconv.ParseUint(p, 10, 16); err == nil {
			port = int(n)
		}
		return host, port
	}
	return strings.Trim(hostport, "[]"), port
}

// hostOf returns the address part of remote, the RemoteAddr that parsed as
// ap. A plain IPv4 address is sliced from the text, which parsing has
// shown to be canonical, instead of formatted again.
func hostOf(remote string, ap netip.AddrPort) string {
	a := ap.Addr()
	if i := strings.LastIndexByte(remote, ':'); i > 0 && a.Is4() && !strings.Contains(remote[:i], ":") {
		return remote[:i]
	}
	return a.String()
}

// peer parses Request.RemoteAddr.
func peer(remote string) (netip.AddrPort, bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// forwardedClient returns the client address from X-Forwarded-For as added
// by trusted proxies: the right-most address that is not itself a trusted
// proxy. Only valid IP addresses are returned.
func (c *config) forwardedClient(h http.Header) (netip.Addr, bool) {
	values := h["X-Forwarded-For"]
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[j]))
			if err != nil {
				return netip.Addr{}, false
			}
			a = a.Unmap()
			if !c.isProxy(a) {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

func (c *config) isProxy(a netip.Addr) bool {
	return trustsPeer(false, true, c.proxies, a)
}

// trusts reports whether the incoming trace context of a request from
// remote may be used as the parent.
func (c *config) trusts(remote netip.AddrPort, ok bool) bool {
	var addr netip.Addr
	if ok {
		addr = remote.Addr()
	}
	return trustsPeer(c.public, c.restrictPeers, c.proxies, addr)
}

// trustsPeer is the trust rule of [WithPublicEndpoint] and
// [WithTrustedProxies] for a peer at addr (the zero Addr if unknown).
func trustsPeer(public, restrict bool, proxies []netip.Prefix, addr netip.Addr) bool {
	if public {
		return false
	}
	if !restrict {
		return true
	}
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap()
	for _, p := range proxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// headerAttrs appends http.{request,response}.header.<name> attributes for
// the named headers present in h, redacted.
func headerAttrs(dst []attribute.KeyValue, prefix string, names []string, h http.Header) []attribute.KeyValue {
	for _, name := range names {
		values := h[name]
		if len(values) == 0 {
			continue
		}
		out := redact.HeaderValues(name, values)
		for i, v := range out {
			out[i] = clean(v, maxHeaderLen)
		}
		dst = append(dst, attribute.StringSlice(prefix+strings.ToLower(name), out))
	}
	return dst
}

// routeOf returns the route template in a ServeMux pattern such as
// "GET example.com/orders/{id}": the path part.
func routeOf(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	return pattern
}

// spanName is "{method} {route}", or "{method}" without a route.
func spanName(m, route string) string {
	if route == "" {
		return m
	}
	return m + " " + route
}
