package grpcdiag

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/safetext"
)

// maxCaptureText bounds the panic, error and status message text of a
// record, as package capture bounds those of an HTTP record.
const maxCaptureText = 1024

// maxPooledBuffer is the capacity past which a buffer of the capture step
// is not kept for reuse: a message of a megabyte must not pin a megabyte
// per pooled buffer.
const maxPooledBuffer = 256 << 10

// The content types of the bodies of a gRPC record.
const (
	jsonType  = "application/json"       // a message, or a stream's array of messages, as protojson
	protoType = "application/x-protobuf" // a message that has no JSON form: Size counts its wire bytes
)

// notProtoText stands in a record for a message that is not a protocol
// buffer message (one of a codec other than gRPC's proto codec).
const notProtoText = "[omitted: not a protocol buffer message]"

// jsonOptions is how messages are written: protojson's defaults, field
// names in lowerCamelCase, unset fields left out. Its output is not
// byte-stable across builds (protojson varies its spacing on purpose).
var jsonOptions = protojson.MarshalOptions{}

// capturing is the capture work of the server interceptors, built once
// per constructor call: one Capturer, so one policy, rate cap and set of
// counts, for every call. It is safe for concurrent use.
type capturing struct {
	c        *capture.Capturer
	messages int       // the messages of each direction of a stream a record keeps
	limit    int       // c.BodyLimit()
	bufs     sync.Pool // of *[]byte, empty: JSON scratch and stream arrays
	urls     sync.Pool // of *url.URL, for the request views of begin
}

// newCapturing returns the capture work that cfg asks for, nil if
// WithCapture was not given.
func newCapturing(cfg config) *capturing {
	if cfg.captureSink == nil {
		return nil
	}
	c := capture.NewCapturer(cfg.captureSink, cfg.capture...)
	n := cfg.messages
	if n <= 0 {
		n = DefaultCaptureMessages
	}
	return &capturing{c: c, messages: n, limit: c.BodyLimit()}
}

// call is what the capture step knows of a call it may capture.
type call struct {
	sel        capture.Selection
	start      time.Time
	fullMethod string
	authority  string
}

// begin decides whether the call to fullMethod whose handler's context is
// ctx is captured. The rules match a view of the call as an HTTP request,
// built for that alone and kept on the stack: method POST, path the full
// method, Host the :authority, no header. Its URL is pooled: the rule
// matcher may read URL.EscapedPath, which escape analysis takes for a
// leak, so a URL of its own would cost an allocation per call; nothing
// keeps it past Select.
func (c *capturing) begin(ctx context.Context, fullMethod string) call {
	var authority string
	if v := metadata.ValueFromIncomingContext(ctx, ":authority"); len(v) > 0 {
		authority = v[0]
	}
	u, ok := c.urls.Get().(*url.URL)
	if !ok {
		u = new(url.URL)
	}
	u.Path = fullMethod
	r := http.Request{Method: http.MethodPost, URL: u, Host: authority}
	sel := c.c.Select(ctx, &r)
	u.Path = ""
	c.urls.Put(u)
	return call{sel: sel, fullMethod: fullMethod, authority: authority}
}

// unary returns handler wrapped in the capture step of a call to
// fullMethod.
func (c *capturing) unary(fullMethod string, handler grpc.UnaryHandler) grpc.UnaryHandler {
	return func(ctx context.Context, req any) (any, error) {
		return c.serveUnary(ctx, req, fullMethod, handler)
	}
}

// serveUnary runs a unary handler and captures its call if it is selected,
// or, in on-failure mode, if it fails. A selected call's request is
// written before the handler runs; in on-failure mode it is written only
// if the call fails, as the handler left it. A panic is captured and goes
// on up the stack.
func (c *capturing) serveUnary(ctx context.Context, req any, fullMethod string, handler grpc.UnaryHandler) (resp any, err error) {
	k := c.begin(ctx, fullMethod)
	if !k.sel.Active() {
		return handler(ctx, req)
	}
	k.start = c.c.Now()
	var reqBody capture.Body
	early := k.sel.Reason != ""
	if early {
		reqBody = c.messageBody(req)
	}
	returned := false
	defer func() {
		var p any
		if !returned {
			p = recover() // nil for runtime.Goexit, which goes on by itself
		}
		if rec := c.record(ctx, &k, returned, err, p); rec != nil {
			if !early {
				reqBody = c.messageBody(req)
			}
			rec.Request.Body = reqBody
			if returned && err == nil {
				rec.Response.Body = c.messageBody(resp)
			}
			c.c.Emit(ctx, rec)
		}
		if p != nil {
			panic(p)
		}
	}()
	resp, err = handler(ctx, req)
	returned = true
	return resp, err
}

// stream returns handler wrapped in the capture step of a call to
// fullMethod.
func (c *capturing) stream(fullMethod string, handler grpc.StreamHandler) grpc.StreamHandler {
	return func(srv any, ss grpc.ServerStream) error {
		return c.serveStream(srv, ss, fullMethod, handler)
	}
}

// serveStream runs a stream handler and captures its call if it is
// selected, or, in on-failure mode, if it fails. The handler of a call
// that may be captured gets a stream that keeps the first messages of
// each direction as they go through; a panic is captured and goes on up
// the stack.
func (c *capturing) serveStream(srv any, ss grpc.ServerStream, fullMethod string, handler grpc.StreamHandler) (err error) {
	ctx := ss.Context()
	k := c.begin(ctx, fullMethod)
	if !k.sel.Active() {
		return handler(srv, ss)
	}
	k.start = c.c.Now()
	cs := c.newCaptureStream(ss, k.sel)
	returned := false
	defer func() {
		var p any
		if !returned {
			p = recover()
		}
		rec := c.record(ctx, &k, returned, err, p)
		cs.end(rec)
		if rec != nil {
			c.c.Emit(ctx, rec)
		}
		if p != nil {
			panic(p)
		}
	}()
	err = handler(srv, cs)
	returned = true
	return err
}

// record returns the record of call k, whose handler returned err or, if
// it did not return, panicked with p (nil for runtime.Goexit), without its
// messages; nil if the call is not captured: neither selected nor, in
// on-failure mode, failed. A call fails when its code is one that means the
// server failed, those a server span marks as an error (Unknown,
// DeadlineExceeded, Unimplemented, Internal, Unavailable, DataLoss, and
// codes gRPC does not define), which are those whose HTTP status is 500 or
// more; or when its handler does not return.
func (c *capturing) record(ctx context.Context, k *call, returned bool, err error, p any) *capture.Record {
	code, msg := codes.OK, ""
	switch {
	case !returned:
		code = codes.Unknown // no status was sent; gRPC gives Unknown to one without
	case err != nil:
		st := statusOf(err)
		code, msg = st.Code(), st.Message()
	}
	status := httpStatus(code)
	if k.sel.Reason == "" && (status < http.StatusInternalServerError || !c.c.Failed(&k.sel)) {
		return nil
	}
	red := c.c.Redactor()
	target := red.URL(&url.URL{Path: k.fullMethod})
	md, _ := metadata.FromIncomingContext(ctx)
	rec := &capture.Record{
		Kind:     capture.KindGRPC,
		Start:    k.start,
		Duration: c.c.Now().Sub(k.start),
		Reason:   k.sel.Reason,
		Request: capture.Request{
			Method: http.MethodPost,
			URL:    target,
			Host:   red.Text(safetext.Clean(k.authority, maxCaptureText)),
			Proto:  "HTTP/2.0",
			Route:  target,
			Header: metadataHeader(red, md),
		},
		Response: capture.Response{Status: status},
		GRPC: &capture.GRPCStatus{
			Code:    code.String(),
			Message: red.Text(safetext.Clean(msg, maxCaptureText)),
		},
	}
	switch {
	case p != nil:
		rec.Panic = red.Text(safetext.Clean(fmt.Sprint(p), maxCaptureText))
	case !returned:
		rec.Error = "handler did not return (runtime.Goexit)"
	case ctx.Err() != nil:
		rec.Error = red.Text(safetext.Clean("call context done before the handler returned: "+context.Cause(ctx).Error(), maxCaptureText))
	}
	return rec
}

// messageBody returns the body of a record for a unary call's message: its
// protojson, of which the record keeps at most the body limit, redacted.
// A message with no JSON form is omitted.
func (c *capturing) messageBody(m any) capture.Body {
	if m == nil {
		return capture.Body{}
	}
	bp := c.getBuf()
	defer c.putBuf(bp)
	out, err := appendJSON((*bp)[:0], m)
	*bp = out
	if err != nil {
		return omittedBody(m)
	}
	return c.c.Body(jsonType, out[:min(len(out), c.limit)], int64(len(out)), true)
}

// protoMessage returns m as a protocol buffer message, as gRPC's proto
// codec takes it: a message of the current API or of the legacy one.
func protoMessage(m any) (proto.Message, bool) {
	switch v := m.(type) {
	case proto.Message:
		return v, true
	case protoadapt.MessageV1:
		return protoadapt.MessageV2Of(v), true
	}
	return nil, false
}

// errNotProto reports a message that is not a protocol buffer message.
var errNotProto = fmt.Errorf("grpcdiag: %s", notProtoText)

// appendJSON appends the protojson of m to dst. It fails for a message
// that is not a protocol buffer message and for one that protojson
// refuses: a string field holding invalid UTF-8, an Any of a type the
// program does not link.
func appendJSON(dst []byte, m any) ([]byte, error) {
	pm, ok := protoMessage(m)
	if !ok {
		return dst, errNotProto
	}
	out, err := jsonOptions.MarshalAppend(dst, pm)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// omittedBody returns the body of a record for a message that has no JSON
// form: omitted, with its size in wire bytes, as the Redactor omits a body
// it cannot redact; or, for one that is not a protocol buffer message,
// whose size is not known, marked as such.
func omittedBody(m any) capture.Body {
	pm, ok := protoMessage(m)
	if !ok {
		return capture.Body{Omitted: true, Text: notProtoText}
	}
	n := int64(proto.Size(pm))
	return capture.Body{ContentType: protoType, Size: n, Omitted: true, Text: redact.Omitted(n)}
}

// omittedElement returns the JSON string that stands for a message with
// no JSON form in a stream's array: the text of omittedBody, quoted.
func omittedElement(m any) string {
	return `"` + omittedBody(m).Text + `"`
}

// metadataHeader returns md, incoming metadata or the header metadata a
// handler set, as the header of a record, redacted: keys in canonical
// form, as the HTTP side stores them, pseudo-headers (:authority) left
// out, and the values of binary (-bin) keys, which nothing can redact,
// omitted with their size. Nil for no keys.
func metadataHeader(red *capture.Redactor, md metadata.MD) http.Header {
	if len(md) == 0 {
		return nil
	}
	h := make(http.Header, len(md))
	for k, vs := range md {
		k = strings.ToLower(k) // as gRPC sends it
		if strings.HasPrefix(k, ":") {
			continue
		}
		if strings.HasSuffix(k, "-bin") {
			marks := make([]string, len(vs))
			for i, v := range vs {
				marks[i] = redact.Omitted(int64(len(v)))
			}
			vs = marks
		}
		name := textproto.CanonicalMIMEHeaderKey(k)
		h[name] = append(h[name], vs...)
	}
	if len(h) == 0 {
		return nil
	}
	return red.Headers(h)
}

// getBuf returns an empty buffer from the pool.
func (c *capturing) getBuf() *[]byte {
	if bp, ok := c.bufs.Get().(*[]byte); ok {
		return bp
	}
	return new([]byte)
}

// putBuf returns a buffer to the pool, unless it grew too large to keep.
func (c *capturing) putBuf(bp *[]byte) {
	if bp == nil || cap(*bp) > maxPooledBuffer {
		return
	}
	*bp = (*bp)[:0]
	c.bufs.Put(bp)
}
