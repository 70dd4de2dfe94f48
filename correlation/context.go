package correlation

import "context"

// ctxKey is the context key for the correlation ID. Only this package reads
// it; others use FromContext.
type ctxKey struct{}

// idContext is the context node that carries the ID. It is its own type,
// rather than context.WithValue, so that the middleware spends one
// allocation on it and the response header can share its storage.
type idContext struct {
	context.Context
	// id[0] is the ID. It is an array so that the response header value
	// (a []string) can be a slice of it instead of a new allocation.
	id [1]string
}

func (c *idContext) Value(key any) any {
	if key == (ctxKey{}) {
		return c
	}
	return c.Context.Value(key)
}

func (c *idContext) String() string { return "correlation.WithID" }

func newIDContext(parent context.Context, id string) *idContext {
	if parent == nil {
		panic("correlation: NewContext called with a nil context")
	}
	return &idContext{Context: parent, id: [1]string{id}}
}

// NewContext returns a copy of ctx that carries id as the correlation ID.
// An empty id means "no ID": ctx is returned unchanged. NewContext does not
// validate id; code that builds one from untrusted input should check it
// with [ValidID] first. It panics if ctx is nil, as context.WithValue does.
func NewContext(ctx context.Context, id string) context.Context {
	if id == "" {
		if ctx == nil {
			panic("correlation: NewContext called with a nil context")
		}
		return ctx
	}
	return newIDContext(ctx, id)
}

// FromContext returns the correlation ID that ctx carries and reports
// whether it carries one. It is safe on a nil ctx and never allocates.
func FromContext(ctx context.Context) (string, bool) {
	if ctx == nil {
		return "", false
	}
	c, ok := ctx.(*idContext)
	if !ok {
		c, ok = ctx.Value(ctxKey{}).(*idContext)
		if !ok {
			return "", false
		}
	}
	return c.id[0], true
}
