package reqmatch

import (
	"sync"
	"sync/atomic"
)

// Cache keeps what was compiled from the last slice of rules it was
// given, and compiles again only for another slice. Slices are told apart
// by identity (first element and length), not content: the flags package
// decodes a JSON value once per change and returns the same slice until
// then, so a new slice means new rules. Get is safe for concurrent use
// and, for the slice compiled last, takes no lock.
type Cache[R, T any] struct {
	cur atomic.Pointer[cached[R, T]]
	mu  sync.Mutex // serialises compiling
}

type cached[R, T any] struct {
	src *R // first element of the slice compiled; nil for an empty one
	n   int
	v   T
}

func (c *cached[R, T]) same(rules []R) bool {
	return len(rules) == c.n && (len(rules) == 0 || &rules[0] == c.src)
}

// Get returns compile(rules), compiling only when rules is not the slice
// compiled last.
func (c *Cache[R, T]) Get(rules []R, compile func([]R) T) T {
	if cur := c.cur.Load(); cur != nil && cur.same(rules) {
		return cur.v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.cur.Load(); cur != nil && cur.same(rules) {
		return cur.v
	}
	e := &cached[R, T]{n: len(rules), v: compile(rules)}
	if len(rules) > 0 {
		e.src = &rules[0]
	}
	c.cur.Store(e)
	return e.v
}
