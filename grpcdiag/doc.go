// Package grpcdiag brings reprokit's diagnostics to gRPC as interceptors,
// as the other packages of the module bring them to net/http. It is the
// only package of the module that imports google.golang.org/grpc, so a
// program that uses only the HTTP side links no gRPC.
//
// # Usage
//
// [ServerOptions] and [DialOptions] install everything in one call:
//
//	srv := grpc.NewServer(grpcdiag.ServerOptions()...)
//	pb.RegisterGreeterServer(srv, greeter)
//
//	conn, err := grpc.NewClient(addr, append(grpcdiag.DialOptions(),
//		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
//
// The four interceptors are also available one by one
// ([UnaryServerInterceptor], [StreamServerInterceptor],
// [UnaryClientInterceptor], [StreamClientInterceptor]) for callers that
// chain interceptors themselves. Every constructor takes the same
// [Option] values; each concern of the package is configured by its own
// option, and an option that does not concern a side is ignored there.
//
// # Correlation IDs
//
// The correlation ID is always on; [WithCorrelation] configures it with the
// options of package correlation. It travels in the metadata key
// x-request-id ([DefaultMetadataKey]), the lower-case form of the HTTP
// header that [correlation.WithHeader] names, so a call that crosses HTTP
// and gRPC services keeps one ID.
//
// On the server, each call's ID is decided by one [correlation.Resolver],
// built when the interceptor is: the incoming ID is kept only if it was
// sent once, passes the validator and comes from a trusted peer (the
// address of the gRPC peer, matched against
// [correlation.WithTrustedProxies]); otherwise a new one is made. The ID is
// put in the handler's context, where [correlation.FromContext] and
// [correlation.NewLogHandler] find it (a streaming handler finds it in the
// stream's Context), and set on the response header metadata before the
// handler runs, so the client can read it with grpc.Header or
// ClientStream.Header:
//
//	var header metadata.MD
//	_, err := client.Check(ctx, req, grpc.Header(&header))
//	id := header.Get(grpcdiag.DefaultMetadataKey)
//
// An ID that was refused is counted in [correlation.Stats] and dropped: it
// is not put in the context, not echoed, not logged, and the key is removed
// from the incoming metadata the handler sees, so a handler that reads
// metadata directly cannot pick it up either. To read the counts, pass a
// Stats of your own, which may be shared with the HTTP middleware:
//
//	stats := new(correlation.Stats)
//	srv := grpc.NewServer(grpcdiag.ServerOptions(
//		grpcdiag.WithCorrelation(correlation.WithStats(stats)))...)
//
// On the client, the ID of the call's context is appended to the outgoing
// metadata, so the next service accepts the same ID. The caller's own
// value under the key wins; an ID holding bytes outside printable ASCII is
// not sent, since gRPC would fail the call over it.
//
// # Tracing
//
// [WithTracing] turns on OpenTelemetry spans and metrics in the same
// interceptors, configured by the options of package tracing, so that one
// set of options serves the HTTP middleware and the gRPC interceptors:
//
//	traced := grpcdiag.WithTracing(tracing.WithTrustedProxies(proxies...))
//	srv := grpc.NewServer(grpcdiag.ServerOptions(traced)...)
//	conn, err := grpc.NewClient(addr, append(grpcdiag.DialOptions(traced),
//		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
//
// Spans are built on the OpenTelemetry API, following the RPC semantic
// conventions of semconv v1.37.0. Each call gets a server or client span
// named after its full method without the leading slash,
// "grpc.health.v1.Health/Check", with rpc.system "grpc", rpc.service,
// rpc.method, rpc.grpc.status_code, the correlation ID
// ([tracing.CorrelationIDKey]), network.peer.address and network.peer.port
// on the server, and server.address and server.port, taken from the
// connection's canonical target, on the client. A server span is marked as
// an error only for the codes the conventions name for servers (Unknown,
// DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss): a
// NotFound is the caller's problem, not the server's. A client span is an
// error for every code but OK. A panic in a handler is recorded on the
// server span as an exception event before it continues up the stack,
// and counted as Unknown. A client stream's span ends when the stream
// does as its caller sees it (RecvMsg returns an error, io.EOF meaning
// success, or the one response of a stream that does not stream
// responses has come) or when the call's context ends.
//
// The durations are recorded in the rpc.server.duration and
// rpc.client.duration histograms, in milliseconds as v1.37.0 says, with
// bounded attributes only: rpc.system, rpc.service, rpc.method and
// rpc.grpc.status_code. A client can make a server see method names of
// its choosing when the server has a grpc.UnknownServiceHandler, so each
// interceptor keeps series for at most 1024 methods; later ones, and names
// that are not of the form /service/method in printable ASCII, are
// recorded as "_OTHER". Status codes above 16, which a hostile server can
// send, count as Unknown in the metrics. Every string recorded is made
// valid UTF-8 and capped in length.
//
// On the server, the correlation ID is resolved first, so it is on the
// span, and the handler's context holds both the ID and the span. The
// caller's traceparent and baggage are read from the incoming metadata
// under the trust policy of package tracing: by default they are trusted;
// with [tracing.WithPublicEndpoint], or with [tracing.WithTrustedProxies]
// for a gRPC peer outside the listed networks, the span starts a new
// trace linked to the caller's context, this service's sampler alone
// decides whether it is sampled, and the caller's baggage is dropped.
//
// On the client, the span is the child of the span in the call's context,
// and its trace context and the context's baggage are sent in the
// outgoing metadata, with the correlation ID, in one step. They replace
// any trace context the caller put in the metadata, so that the server's
// span is the child of the client span; the caller's metadata itself is
// never modified.
//
// With the no-op providers of OpenTelemetry, given explicitly, nothing is
// recorded but the trace context still travels: the server puts a trusted
// caller's context in the handler's context, and the client sends the
// context's. Without WithTracing no tracing work is done at all.
//
// # OTLP over gRPC
//
// Package tracing exports over OTLP/HTTP only, so that a program that does
// not ask for gRPC links none. [WithOTLP] adds OTEL_EXPORTER_OTLP_PROTOCOL=grpc
// to [tracing.Setup]:
//
//	shutdown, err := tracing.Setup(ctx, grpcdiag.WithOTLP())
//
// The OTEL_EXPORTER_OTLP_* variables configure the exporters as they do
// for HTTP; see [OTLPExporters] for what they mean over gRPC.
//
// # Debug sampling
//
// [WithDebugSample] brings package debugsample to gRPC: each call gets a
// debug mode, off, buffered or live, and the debug records its handler
// logs through [debugsample.NewLogHandler] are dropped, kept until the
// call fails, or written at once. The options are those of package
// debugsample, so one set serves the HTTP middleware and the gRPC
// interceptors:
//
//	debug := grpcdiag.WithDebugSample(
//		debugsample.WithFlags(set),     // the policy, changed at runtime
//		debugsample.WithTokenKeys(key), // signed per-call overrides
//		debugsample.WithTrustedPeers(netip.MustParsePrefix("10.0.0.0/8")),
//	)
//	srv := grpc.NewServer(grpcdiag.ServerOptions(traced, debug)...)
//	conn, err := grpc.NewClient(addr, append(grpcdiag.DialOptions(traced, debug),
//		grpc.WithTransportCredentials(insecure.NewCredentials()))...)
//
// On the server, the call is decided after the correlation ID is resolved
// and the span started, so the decision is drawn from the call's trace ID
// (see "Determinism" in package debugsample), and before the handler and
// any interceptor chained after these. The one [debugsample.Sampler] of
// the interceptor decides on a view of the call as an HTTP request:
// method POST, as gRPC sends every call; path the full method, such as
// "/grpc.health.v1.Health/Check"; Host the :authority; RemoteAddr the
// peer's address; and for headers the incoming metadata under canonical
// names, but for pseudo-headers and binary (-bin) keys. Rules and token
// scopes are therefore ServeMux patterns over method names:
// "/grpc.health.v1.Health/" is a service, "/grpc.health.v1.Health/Check"
// a method, and a rule's header condition reads a metadata key. A debug
// token travels in the metadata key x-debug-token, the lower-case form of
// [debugsample.DefaultTokenHeader] (or of the header named with
// [debugsample.WithTokenHeader]); a forged, expired, malformed or
// out-of-scope one is ignored and counted. The debug baggage member
// ([debugsample.BaggageKey]) is honoured only from a peer inside
// [debugsample.WithTrustedPeers], matched against the gRPC peer address,
// none by default; from any other it is ignored, counted, and removed
// from the handler's baggage so that it travels no further.
//
// The handler's context carries the decision (a streaming handler finds
// it in the stream's Context), where [debugsample.NewLogHandler],
// [debugsample.FromContext] and [debugsample.Flush] find it. A buffered
// call's records are written, marked debug_buffered=true, if the call
// fails, and dropped otherwise. A call fails if its handler panics (the
// panic goes on up the stack untouched), if it is slower than
// [debugsample.WithLatencyThreshold], or if the failure predicate of
// [debugsample.WithFailure] says so of the HTTP status that google.rpc.Code
// gives the call's status code:
//
//	200  OK
//	400  InvalidArgument, FailedPrecondition, OutOfRange
//	401  Unauthenticated
//	403  PermissionDenied
//	404  NotFound
//	409  AlreadyExists, Aborted
//	429  ResourceExhausted
//	499  Canceled
//	500  Unknown, Internal, DataLoss, and codes above 16
//	501  Unimplemented
//	503  Unavailable
//	504  DeadlineExceeded
//
// The default predicate, a status of 500 or more, thus flushes the calls
// that ended with a code that means the server failed, the ones a server
// span marks as an error (Unknown, DeadlineExceeded, Unimplemented,
// Internal, Unavailable, DataLoss), and drops those of a NotFound, which
// is the caller's problem. An error that carries no status counts as
// gRPC sends it: a context error as Canceled or DeadlineExceeded, any
// other as Unknown.
//
// On the client, the decision goes to the next service: [debugsample.Sampler.Begin]
// put it in the context's W3C baggage, so with [WithTracing] the
// propagator sends it with the rest of the baggage. Without WithTracing
// (or with a propagator that does not send baggage), WithDebugSample on
// the client sends the debug member alone, as a baggage value of its own;
// a member the caller put in the outgoing metadata wins. The next
// service honours it if it trusts the caller.
//
// [ServerOptions] builds one Sampler for both interceptors, so unary and
// streaming calls share one rate cap; to read its counts, pass a
// [debugsample.Stats] of your own with [debugsample.WithStats], which may
// be shared with the HTTP middleware. Without WithDebugSample no debug
// sampling work is done at all.
//
// # Capture
//
// [WithCapture] brings package capture to gRPC: the calls its policy
// selects are written as redacted [capture.Record]s of kind
// [capture.KindGRPC] to a [capture.Sink], with the same policy, rate cap,
// [capture.Redactor], environment and counts as the HTTP middleware,
// configured by the same options:
//
//	sink := capture.NewAsyncSink(fileSink, nil)
//	captured := grpcdiag.WithCapture(sink,
//		capture.WithFlags(set), // capture.rate, capture.rules, capture.on_failure
//	)
//	srv := grpc.NewServer(grpcdiag.ServerOptions(traced, debug, captured)...)
//
// The capture step runs after the correlation ID, the span and the debug
// decision, just before the handler, so a record carries the call's
// correlation, trace and span IDs, and a call that package debugsample
// made live is captured, with the reason "debug" (unless
// [capture.WithDebugRequests] is false). Rules match a call as an HTTP
// request: method POST, path the full method and Host the :authority, so
// that {"pattern":"POST /orders.v1.Orders/","rate":1} captures every call
// of a service and "POST /orders.v1.Orders/Get" one method. A rule's
// header condition never matches a gRPC call: building a header from the
// metadata of every call would cost what a call that is not captured must
// not pay.
//
// A record holds, for the request: method "POST", URL and Route the full
// method, Host the :authority, Proto "HTTP/2.0", and for Header the
// incoming metadata under canonical names, redacted as HTTP headers are
// (authorization: Bearer … keeps only its scheme), without pseudo-headers,
// the values of binary (-bin) keys replaced by "[omitted: N bytes]". The
// bodies are the messages as protojson ([protojson.MarshalOptions] at its
// defaults), content type application/json, of which at most the body
// limit ([capture.WithBodyLimit]) is kept, with the JSON's full size, and
// redacted as JSON: a field named password, or a bearer token in any
// field, is masked. A unary call has its request and response message; a
// streaming call a JSON array of the first messages of each direction, as
// the handler received and sent them ([WithCaptureMessages], by default 8),
// the counts of all of them in GRPC.RequestMessages and
// GRPC.ResponseMessages, and the body marked truncated when there were
// more; and the header and trailer metadata its handler set on the stream.
// A unary handler's header metadata is not recorded: it goes to the
// transport stream of the context, which gRPC's own SetSendCompressor
// needs unwrapped. A message that protojson refuses (a string of invalid
// UTF-8, an Any of a type the program does not link) is omitted with its
// size in wire bytes, and one that is not a protocol buffer message is
// marked as such. GRPC holds the status code's name and its redacted
// message, and Response.Status the HTTP status of the code, as listed
// under "Debug sampling" (200 OK, 404 NotFound, 500 Internal, 503
// Unavailable, …), so that a tool that lists captures by status treats
// both kinds alike.
//
// In on-failure mode a call is captured when it ends with a code that
// means the server failed, those of an HTTP status of 500 or more and of
// a server span marked as an error (Unknown, DeadlineExceeded,
// Unimplemented, Internal, Unavailable, DataLoss, and codes gRPC does not
// define), or when its handler panics. A panic is recorded, redacted and
// cut to 1 KiB, with code Unknown and status 500, and then goes on up the
// stack: the interceptors do not recover, so the server fails the call
// (or the process) as it would without them. A unary call in on-failure
// mode costs nothing until it fails: its request message is written only
// then, as the handler left it (a handler that modifies its request shows
// the modified one). A streaming call in on-failure mode keeps its first
// messages in wire form as they go through, since a handler may reuse a
// message for the next one, which costs a fraction of writing them as
// JSON, and writes them as JSON only if the call fails. It keeps at most
// the body limit of wire bytes (but always the first message): a record
// whose first messages did not fit holds those that did, marked
// truncated, its Size counting only them.
//
// # Logs
//
// The package writes nothing to standard output. Its own rare warnings (a
// response header that cannot be set, a header name that is not a valid
// metadata key) go to the logger of [WithLogger], by default
// [slog.Default], and never hold a refused ID.
//
// # Cost
//
// A server call with a valid incoming ID costs the copy of its value that
// gRPC's metadata lookup makes, one context node and the response header
// metadata; a refused ID adds a copy of the incoming metadata. A client
// call whose context carries an ID costs a copy of its outgoing metadata,
// if it has any, and the appended pair.
//
// Tracing adds, with no-op providers, the extraction of the caller's trace
// context; with the SDK, the span. The slices a span starts with are
// pooled, the names and attributes of a method are parsed once, and the
// attribute set of each metric series is built once.
//
// Debug sampling adds, per server call, the request view (a copy of the
// incoming metadata, which becomes its header, the URL and the request),
// the decision, which allocates nothing more when the call carries no
// token or debug baggage, and the context node of
// [debugsample.Sampler.Begin]; a sampled call adds its baggage and,
// buffered, its buffer. On the client it adds, for a call whose context
// holds the debug member, the appended metadata pair.
//
// Capture adds, per server call that is not captured, the policy lookup
// and the copy of the :authority that gRPC's metadata lookup makes: one
// allocation of 16 bytes; the request view of the rules stays on the
// stack. A unary call in on-failure mode that succeeds adds a clock
// reading and nothing else; a stream in on-failure mode that succeeds
// adds the wrapped stream and the wire form of its first messages, a
// bounded cost per stream. A captured call adds its record: the metadata,
// the messages as protojson and their redaction.
package grpcdiag
