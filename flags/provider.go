package flags

import "context"

// Provider supplies flag values to a [Set]. The package has four:
// [Static], [Env], [File] and [OpenFeature]; any type with these methods
// can be one.
//
// Most providers hold a snapshot of values that changes rarely: Lookup
// reads it, and Watch tells the Set of every change, so that the Set can
// decode each value once and serve reads lock-free until the next change.
// A provider that decides per request, with targeting, is an [Evaluator]
// instead.
//
// Implementations must be safe for concurrent use.
type Provider interface {
	// Name names the provider in listings and logs, such as "env" or
	// "file:/etc/flags/flags.json"; it is the Source of its values in a
	// [Snapshot].
	Name() string

	// Lookup returns the value of the flag name in the provider's current
	// snapshot, and whether it has one; a nil value counts as none. The
	// value is a json.RawMessage, a string or another Go value (see
	// [Bool] and the other key constructors for how each decodes). The
	// Set may keep the value: the provider must not modify it later.
	// An Evaluator's Lookup returns false.
	Lookup(name string) (value any, ok bool)

	// Watch arranges for changed to be called after each change of the
	// values that Lookup returns, until stop is called; changed must see
	// the new values. A provider whose values never change returns a stop
	// that does nothing. changed may be called from any goroutine and
	// must not be called with a lock held that Lookup takes.
	Watch(changed func()) (stop func())

	// Close releases what the provider holds, such as the file provider's
	// poller; its values stay as they were. The providers of this package
	// other than File have nothing to release. A Set never closes its
	// providers.
	Close() error
}

// Evaluator is a [Provider] that decides a flag's value per call, from the
// context and the [Evaluation] of the request, such as the [OpenFeature]
// adapter. A Set asks it on every [Key.Get] of a flag that no override and
// no provider before it has; put it last, since the providers after it are
// then looked up (and their values decoded) on every call too.
type Evaluator interface {
	Provider

	// Evaluate returns the value of the flag name for ctx and e, as a Go
	// value that decodes to kind (see decode rules of the key
	// constructors). It returns an error wrapping [ErrNotFound] if it does
	// not have the flag, and one wrapping [ErrTypeMismatch] if its value
	// has another type; on any other error the Set counts it in
	// [Stats].EvalErrors, logs it once per flag, and asks the next
	// provider.
	Evaluate(ctx context.Context, name string, kind Kind, e Evaluation) (any, error)
}

// Lister is implemented by providers that can list the names of their
// flags, so that [Set.Snapshot] lists flags that no key of the Set names.
// [Static] and [File] do; [Env] does not, since it cannot tell a flag
// name from the variable name it maps to.
type Lister interface {
	// Names returns the names of the provider's flags, in any order.
	Names() []string
}

// noStop is the stop function of providers whose values never change.
func noStop() {}
