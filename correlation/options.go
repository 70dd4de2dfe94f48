package correlation

import (
	"net/netip"
	"net/textproto"
	"strings"

	"github.com/reprokit/reprokit/internal/httpreq"
)

// Option configures the middleware, the transport and the [Resolver].
// Options that do not concern a component are ignored by it: the transport,
// for one, reads only [WithHeader].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is the resolved set of options. It is read-only once built.
type config struct {
	header        string   // canonical name of the header echoed and sent
	accept        []string // names read on the way in: canonical, header first, once built
	validate      func(string) bool
	trustIncoming bool
	restrictPeers bool           // set by WithTrustedProxies: only proxies may send an ID
	proxies       []netip.Prefix // the trusted peers when restrictPeers
	generate      func() string
	stats         *Stats
}

func newConfig(opts []Option) config {
	c := config{
		header:        textproto.CanonicalMIMEHeaderKey(DefaultHeader),
		validate:      ValidID,
		trustIncoming: true,
		generate:      NewID,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	// The accepted names are settled last so that the order of WithHeader
	// and WithAcceptHeaders does not matter.
	extra := c.accept
	c.accept = []string{c.header}
	for _, name := range extra {
		if !httpreq.ValidToken(name) {
			continue
		}
		name = textproto.CanonicalMIMEHeaderKey(name)
		if !containsString(c.accept, name) {
			c.accept = append(c.accept, name)
		}
	}
	if c.stats == nil {
		c.stats = new(Stats)
	}
	return c
}

// WithHeader sets the header that carries the ID: it is read on the way in,
// set on the response, and set on outgoing requests by [NewTransport].
// The default is [DefaultHeader]. An empty or malformed name is ignored.
func WithHeader(name string) Option {
	return optionFunc(func(c *config) {
		if httpreq.ValidToken(name) {
			c.header = textproto.CanonicalMIMEHeaderKey(name)
		}
	})
}

// WithAcceptHeaders names further headers that may carry an incoming ID,
// such as "X-Correlation-ID". They are tried in order after the main header
// (see [WithHeader]); the first one present on a request decides, and if its
// value is refused a new ID is made rather than trying the next. The
// response and outgoing requests always use the main header. Malformed names
// are ignored. By default only the main header is read.
func WithAcceptHeaders(names ...string) Option {
	return optionFunc(func(c *config) { c.accept = append(c.accept, names...) })
}

// WithValidator replaces the check an incoming ID must pass to be accepted.
// The default is [ValidID]. Whatever the validator says, an ID that is not
// [Printable] is refused, so it can be echoed and sent on safely. A nil
// function is ignored. The function must be safe for concurrent use; it
// sees untrusted input of any length, so it should reject long values first.
func WithValidator(valid func(id string) bool) Option {
	return optionFunc(func(c *config) {
		if valid != nil {
			c.validate = func(id string) bool { return Printable(id) && valid(id) }
		}
	})
}

// WithTrustIncoming sets whether incoming IDs may be accepted at all. The
// default is true. With false every request gets a new ID, and any ID it
// carried is counted as rejected.
func WithTrustIncoming(trust bool) Option {
	return optionFunc(func(c *config) { c.trustIncoming = trust })
}

// WithTrustedProxies accepts incoming IDs only from peers whose address is
// in one of the prefixes, typically the load balancers in front of the
// service; from any other peer the ID is rejected and a new one made. The
// peer is the connection's address (http.Request.RemoteAddr or the gRPC
// peer), never a forwarded-for header. By default every peer is trusted.
// Invalid prefixes are ignored; calling it with no valid prefix trusts no
// peer.
func WithTrustedProxies(prefixes ...netip.Prefix) Option {
	return optionFunc(func(c *config) {
		c.restrictPeers = true
		c.proxies = make([]netip.Prefix, 0, len(prefixes))
		for _, p := range prefixes {
			if p.IsValid() {
				c.proxies = append(c.proxies, p.Masked())
			}
		}
	})
}

// WithGenerator replaces the function that makes new IDs. The default is
// [NewID], a UUIDv7. A nil function is ignored. The function must be safe for
// concurrent use. An ID it returns that is not [Printable] is replaced by
// [NewID].
func WithGenerator(generate func() string) Option {
	return optionFunc(func(c *config) {
		if generate != nil {
			c.generate = generate
		}
	})
}

// WithStats makes the middleware or interceptor count into s, so that one
// [Stats] can be read for the whole service. A nil s is ignored; by default
// each [Resolver] counts into its own Stats, read with [Resolver.Stats].
func WithStats(s *Stats) Option {
	return optionFunc(func(c *config) {
		if s != nil {
			c.stats = s
		}
	})
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
