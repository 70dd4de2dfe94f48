package grpcdiag

import (
	"context"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc/metadata"
)

// incomingCarrier reads the incoming metadata of a call for a propagator,
// as propagation.HeaderCarrier reads HTTP headers. Keys are looked up in
// lower case, as gRPC keeps them. It reads one key at a time, so that a
// call does not pay for a copy of all its metadata.
type incomingCarrier struct {
	ctx context.Context
}

var (
	_ propagation.TextMapCarrier = (*incomingCarrier)(nil)
	_ propagation.ValuesGetter   = (*incomingCarrier)(nil)
)

// Get returns the first value of key, "" if none.
func (c *incomingCarrier) Get(key string) string {
	v := metadata.ValueFromIncomingContext(c.ctx, strings.ToLower(key))
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Values returns every value of key, for propagators that combine them,
// such as baggage.
func (c *incomingCarrier) Values(key string) []string {
	return metadata.ValueFromIncomingContext(c.ctx, strings.ToLower(key))
}

// Set does nothing: incoming metadata is read only.
func (c *incomingCarrier) Set(string, string) {}

// Keys returns the keys of the incoming metadata.
func (c *incomingCarrier) Keys() []string {
	md, _ := metadata.FromIncomingContext(c.ctx)
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	return keys
}

// outgoingCarrier collects the key-value pairs a propagator injects, keys
// in lower case, to be added to the outgoing metadata in one step.
type outgoingCarrier struct {
	pairs []string // key, value, key, value, …
}

var _ propagation.TextMapCarrier = (*outgoingCarrier)(nil)

var outgoingPool = sync.Pool{New: func() any { return &outgoingCarrier{pairs: make([]string, 0, 8)} }}

func getOutgoing() *outgoingCarrier { return outgoingPool.Get().(*outgoingCarrier) }

func (c *outgoingCarrier) release() {
	clear(c.pairs)
	if cap(c.pairs) > 32 {
		return
	}
	c.pairs = c.pairs[:0]
	outgoingPool.Put(c)
}

// Get returns the value set for key, "" if none.
func (c *outgoingCarrier) Get(key string) string {
	key = strings.ToLower(key)
	for i := 0; i < len(c.pairs); i += 2 {
		if c.pairs[i] == key {
			return c.pairs[i+1]
		}
	}
	return ""
}

// Set sets key to value, replacing any value set before. A value gRPC
// would refuse to send (bytes outside printable ASCII) is not set, since
// the call would fail over it.
func (c *outgoingCarrier) Set(key, value string) {
	if !sendable(value) {
		return
	}
	key = strings.ToLower(key)
	for i := 0; i < len(c.pairs); i += 2 {
		if c.pairs[i] == key {
			c.pairs[i+1] = value
			return
		}
	}
	c.pairs = append(c.pairs, key, value)
}

// Keys returns the keys set.
func (c *outgoingCarrier) Keys() []string {
	keys := make([]string, 0, len(c.pairs)/2)
	for i := 0; i < len(c.pairs); i += 2 {
		keys = append(keys, c.pairs[i])
	}
	return keys
}

// sendable reports whether gRPC sends v as the value of a text metadata
// key: printable ASCII, space included.
func sendable(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}
