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
package grpcdiag
