// Package correlation gives every request one ID, carries it in the
// context, echoes it to the caller, stamps it on every log record and sends
// it on every outgoing call, so that all the lines one request caused, in
// every service it crossed, can be found with one search.
//
// # The ID of a request
//
// [NewMiddleware] reads the ID from the X-Request-ID header ([WithHeader]
// and [WithAcceptHeaders] change the names). It keeps that ID only when it
// is trustworthy:
//
//   - it passes the validator: by default [ValidID], 1 to 128 bytes of
//     A–Z a–z 0–9 . _ : - ([WithValidator] replaces it);
//   - the header was sent once, not repeated;
//   - incoming IDs are trusted ([WithTrustIncoming]) and, when
//     [WithTrustedProxies] is given, the peer is one of those proxies.
//
// Otherwise it makes a new one with [NewID], a UUIDv7, so IDs sort by time
// ([WithGenerator] replaces it). A refused ID is counted in [Stats] and then
// dropped: it is never echoed, logged or put in the context, since it is
// attacker-controlled text (CR/LF, escape sequences, megabytes).
//
// The ID is set on the response header before the handler runs and put in
// the request context, where [FromContext] reads it. [NewContext] puts one
// in a context by hand, for work that does not start with a request.
//
// # Logs
//
// [NewLogHandler] wraps any slog.Handler and adds the ID of the record's
// context as the correlation_id attribute:
//
//	logger := slog.New(correlation.NewLogHandler(slog.NewJSONHandler(os.Stderr, nil)))
//	logger.InfoContext(r.Context(), "charged card") // {…,"correlation_id":"0192…"}
//
// # Outgoing calls
//
// [NewTransport] sets the header on outgoing HTTP requests from their
// context, so the next service accepts the same ID:
//
//	client := &http.Client{Transport: correlation.NewTransport(nil)}
//	req, _ := http.NewRequestWithContext(r.Context(), "GET", url, nil)
//	resp, err := client.Do(req)
//
// Package grpcdiag does the same for gRPC, with the metadata key
// x-request-id. Both sides use a [Resolver], the per-request step, which is
// exported for fused middleware stacks and other transports.
//
// # Cost
//
// With a valid incoming ID the middleware costs two allocations (the
// request copy and one context node, which also backs the response header
// value); with a new ID, one more for the ID's text. The log handler adds
// none to a record with up to four attributes of its own.
package correlation
