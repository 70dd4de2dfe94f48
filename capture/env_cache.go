package capture

import (
	"sync"
	"sync/atomic"
)

// CachedEnv returns a function that returns the snapshot TakeEnv(o)
// takes, taking it once and again only when the flags in force change
// (o.Flags, by its Generation), so that it can be called for every
// record. Give it to the middleware with WithEnv. The function is safe
// for concurrent use. o is copied; nil takes the default snapshot.
func CachedEnv(o *EnvOptions) func() *Env {
	var opts EnvOptions
	if o != nil {
		opts = *o
	}
	taker := newEnvTaker(&opts)
	type entry struct {
		env *Env
		gen uint64
	}
	var cur atomic.Pointer[entry]
	var mu sync.Mutex // serialises taking a snapshot
	return func() *Env {
		gen, cacheable := opts.Flags.Generation()
		if e := cur.Load(); e != nil && e.gen == gen && cacheable {
			return e.env
		}
		mu.Lock()
		defer mu.Unlock()
		if e := cur.Load(); e != nil && e.gen == gen && cacheable {
			return e.env
		}
		e := &entry{env: taker.take(), gen: gen}
		cur.Store(e)
		return e.env
	}
}
