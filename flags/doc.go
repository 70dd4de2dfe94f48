// Package flags gives a service runtime switches, read on every request,
// that turn diagnostics on and off without a redeploy: typed keys with
// defaults, values from code, the environment, a watched file or any
// OpenFeature provider, and an admin endpoint to override them for a
// while.
//
// # Keys and Sets
//
// A [Key] is a flag's name, type and default, made once as a package-level
// variable by [Bool], [Int], [Float], [String], [Duration] or [JSON]. A
// [Set], made once at start-up by [NewSet], holds the providers, in order,
// and the overrides. [Key.Get] reads a key through a Set:
//
//	var (
//		debugOn   = flags.Bool("debug.enabled", false)
//		debugRate = flags.Float("debug.sample-rate", 0.01)
//		debugFor  = flags.Duration("debug.buffer-ttl", 30*time.Second)
//	)
//
//	file, err := flags.File("/etc/reprokit/flags.json")
//	if err != nil { … }
//	defer file.Close()
//	set := flags.NewSet(
//		flags.WithProvider(file),              // first: wins
//		flags.WithProvider(flags.Env("")),     // REPROKIT_FLAG_DEBUG_ENABLED=true
//		flags.WithProvider(flags.Static(map[string]any{"debug.sample-rate": 0.1})),
//		flags.WithKeys(debugOn, debugRate, debugFor),
//	)
//	…
//	if debugOn.Get(ctx, set) { … }
//
// The value in force is an override if one is in force, else the value of
// the first provider that has the flag, else the key's default. A value
// that does not decode to the key's type (a file that says
// "debug.enabled": "yes") gives the default; it is counted in [Stats] and
// logged once. Get on a nil *Set gives the default, so code and tests that
// run without flags need no Set.
//
// # Cost
//
// Get is meant for every request. A Set decodes a key's value once per
// change (a reload, an override) and keeps it; until the next change, Get
// takes no lock and makes no allocation: a few atomic loads, and a look at
// the clock while an override is in force. Only an [Evaluator], such as
// the [OpenFeature] adapter, is asked on every call, since its answer
// depends on the request; put it last, after the providers that hold
// plain values.
//
// # Providers
//
//   - [Static]: values fixed in code.
//   - [Env]: environment variables, REPROKIT_FLAG_ and the name upper-cased
//     with '.' and '-' as '_' (see [EnvName]), read once.
//   - [File]: a JSON object of names to values, polled every 5 seconds
//     (see [WithInterval]); a new version is loaded when it is valid, and
//     a half-written or invalid one is refused, logged once and counted,
//     leaving the last good values in force. It follows the symbolic-link
//     swap by which Kubernetes updates a mounted ConfigMap.
//   - [OpenFeature]: any OpenFeature provider, through a client of the
//     OpenFeature Go SDK, with targeting on the [Evaluation] that
//     [WithEvaluation] put in the request's context.
//
// Any type that implements [Provider] (and, to decide per request,
// [Evaluator]) can be given to a Set.
//
// # Overrides and the admin endpoint
//
// [Set.Override] sets a value above every provider for a limited time (at
// most a day by default, see [WithMaxTTL]); it expires on its own, by a
// timer, or by the clock given with [WithClock], which tests move by hand.
// [Set.Clear] removes it.
// Every change is logged to the Set's logger ([WithLogger]) with who made
// it, the old and new value and the expiry.
//
// [NewAdminHandler] serves the same over HTTP, for operators: GET lists
// the flags in force with their source and expiry, POST or PUT sets an
// override, DELETE clears one. It has no open default: every request must
// pass the authorize function it is given, and a refused one gets a bare
// 403. Request bodies are untrusted and checked strictly; by default only
// the names of flags the Set knows may be overridden (see
// [WithUnknownFlags]).
//
// # Snapshots
//
// [Set.Snapshot] lists the flags in force, sorted by name, with where each
// value came from. Package capture stores it with every record and every
// environment snapshot, so that a bug seen in production can be replayed
// with the same switches, and two environments' flags can be diffed.
package flags
