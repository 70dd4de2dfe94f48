// Package debugsample writes verbose logs for a slice of live traffic:
// every request gets a debug mode, decided once, and the debug records it
// logs are dropped, kept until the request fails, or written at once.
//
// When a bug shows only in production, the engineer needs the debug lines
// of the failing requests, all of them and only theirs, without a
// redeploy. Sampling log records at random scatters a request's lines;
// logging everything at Debug costs too much. This package decides per
// request instead, so a sampled request has every line and the others
// cost one check per debug call.
//
// # Usage
//
// The middleware goes after those of packages correlation and tracing; the
// log handler anywhere in the chain of the service's logger:
//
//	logger := slog.New(correlation.NewLogHandler(tracing.NewLogHandler(
//		debugsample.NewLogHandler(slog.NewJSONHandler(os.Stderr, nil))))) // Info, as in production
//	handler := correlation.NewHandler(tracing.NewHandler(debugsample.NewHandler(mux,
//		debugsample.WithFlags(set),             // the policy, changed at runtime
//		debugsample.WithTokenKeys(key),         // signed per-request overrides
//	)))
//
//	logger.DebugContext(r.Context(), "cart loaded", "items", n) // costs a check unless sampled
//
// # Modes
//
// A request is [Off], [Buffered] or [Live]. Off, a debug call stops at
// Enabled. Live, debug records are written at once, whatever the level of
// the handler underneath: the production logger stays at Info. Buffered,
// they are kept in a bounded ring per request ([WithBufferLimits]; by
// default 128 records and 20 KiB, as AWS Lambda Powertools does) with
// their original time, attributes and context, and written in order,
// marked debug_buffered=true, only if the request fails: a status of 500
// or more ([WithFailure] changes the predicate), a panic, a latency above
// [WithLatencyThreshold], or an explicit [Flush]. When the ring overflows
// the oldest records go, and the flush writes first a record saying how
// many (debug_dropped). A successful request's buffer is dropped. A record
// is written at most once, across an explicit Flush and a later failure
// too, and a goroutine that logs after its request ended has its records
// written (live or failed request) or dropped (successful one), never left
// in a buffer.
//
// # The decision
//
// [Sampler.Decide] takes the first of these that applies:
//
//  1. a valid signed token in the X-Debug-Token header makes the request
//     live;
//  2. the debug baggage member of a trusted peer gives the mode its
//     caller decided;
//  3. the first [Rule] of the [Policy] that matches the request gives its
//     rates;
//  4. otherwise the policy's LiveRate and BufferedRate.
//
// A sampled request, whatever made it so, tokens included, then takes a
// token from the rate cap (Policy.MaxPerSecond, [DefaultMaxPerSecond] a
// second by default, with a burst of as many), so that a burst of traffic
// or of tokens cannot multiply the cost of logging; past the cap it is
// off, and counted. The [Policy] is plain data given with [WithPolicy], or
// read from package flags on every request with [WithFlags], under the
// names of [LiveRateFlag], [BufferedRateFlag], [RulesFlag] and
// [MaxPerSecondFlag], so an operator changes it at runtime, with an
// override that expires on its own.
//
// Rules match the request itself with http.ServeMux pattern syntax
// ("POST /orders/{id}", "/admin/", "api.example.com/"), a method and a
// header condition, since the middleware runs before the service's
// router. A pattern matches as it would in a ServeMux (a test fuzzes the
// two against each other), but rules are tried in their order rather than
// by ServeMux's precedence, so that a rule with a header condition can
// come before a broader one for the same route; matching costs tens of
// nanoseconds and no allocation, where a ServeMux lookup costs hundreds
// and several. Rules read from flags are compiled once per change.
//
// # Determinism
//
// Rates are drawn from a hash of the trace ID, so every service of a
// trace that has the same policy makes the same choice, and a live rate
// raised from 1% to 2% keeps the first 1%. The hash is documented at
// [HashTraceID] so that services in other languages can make the same
// choice; it is seeded with a reprokit-specific domain string, and so is
// independent of OpenTelemetry's TraceIDRatioBased sampler, which reads
// the low bits of the same ID: the traces sampled by both at rates p and
// q are a fraction p·q of all, as for unrelated coins. Without a trace
// ID, the correlation ID of package correlation is hashed instead (with
// another domain string); without either, the draw is random.
//
// # Tokens
//
// [NewToken] mints a token: HMAC-SHA256, under a key given to the service
// with [WithTokenKeys], over an issue time, an expiry of at most 15
// minutes ([WithMaxTokenTTL]) and a scope, "*" or a ServeMux pattern. It
// is compact and URL-safe: "v1." then the base64url payload and MAC, 70
// bytes for the scope "*". Several keys verify, so a key can be rotated.
// A token that is oversized, malformed, forged, not yet valid, expired or
// out of scope is ignored: the request is decided as if it had none. It
// is counted by reason ([Stats.TokensRefused]) and never logged. The
// signature is compared in constant time and checked before anything the
// token claims; a token that claims a longer life than the maximum is cut
// to it. A token is a bearer credential until it expires: keep TTLs short
// and scopes narrow.
//
// # Downstream services
//
// [Sampler.Begin] puts a sampled decision in the context's W3C baggage,
// as the member reprokit.debug=live or reprokit.debug=buffered
// ([BaggageKey]), so any OpenTelemetry-propagating transport
// (tracing.NewTransport, the gRPC interceptors of grpcdiag) carries it. A
// service honours the member only from the peers listed with
// [WithTrustedPeers], none by default; from any other peer it is ignored,
// counted, and removed from the context so that it does not travel
// further.
//
// # Traces
//
// [TraceSampler] wraps the tracer provider's sampler so that every span
// started in a live request's context is recorded: the handler's spans,
// its outgoing calls, and through the sampled flag the services it calls.
// The server span of tracing.NewMiddleware starts before the decision,
// which is drawn from its trace ID, and is recorded as the base sampler
// says; see [TraceSampler].
//
// # Cost
//
// On an off request a debug call costs the check in Enabled, without
// allocation: a type assertion on the handler's context, and while no
// request of the process is sampled, not even that. The decision reads
// the flags, hashes, matches the rules and looks for a token without
// allocating when none is there. The middleware adds one context node
// and the request copy. A buffered record costs no allocation beyond
// those slog makes, save when the ring grows, and its LogValuers are
// resolved when it is kept.
//
// # Fused stacks
//
// The middleware is a thin wrapper over the per-request step, exported
// for stacks that fuse reprokit's layers: [Sampler.Decide] decides,
// [Sampler.Begin] makes the context, and [Run.Finish] flushes or discards
// when the request ends. [NewContext] gives a mode to work that does not
// start with a request.
package debugsample
