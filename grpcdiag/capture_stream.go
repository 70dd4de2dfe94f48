package grpcdiag

import (
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/internal/redact"
)

// captureStream is the stream the handler of a call that may be captured
// gets: it keeps the first messages of each direction as they go through,
// counts them all, and keeps the header and trailer metadata the handler
// sets on it. Everything else, Context included, is the wrapped stream's.
// gRPC allows one goroutine receiving and one sending at once; each
// direction has its own lock.
type captureStream struct {
	grpc.ServerStream
	c          *capturing
	recv, send messageLog

	mu      sync.Mutex // guards header and trailer
	header  metadata.MD
	trailer metadata.MD
}

var _ grpc.ServerStream = (*captureStream)(nil)

// newCaptureStream wraps ss for a call that sel selected, whose messages
// are written as JSON as they go, or, in on-failure mode, kept in wire
// form until the call fails.
func (c *capturing) newCaptureStream(ss grpc.ServerStream, sel capture.Selection) *captureStream {
	deferred := sel.Reason == ""
	return &captureStream{
		ServerStream: ss,
		c:            c,
		recv:         messageLog{deferred: deferred},
		send:         messageLog{deferred: deferred},
	}
}

// RecvMsg receives a message and, if one came, keeps it in the log of
// received messages.
func (s *captureStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.recv.add(s.c, m)
	}
	return err
}

// SendMsg sends a message and, if it was sent, keeps it in the log of
// sent messages.
func (s *captureStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.send.add(s.c, m)
	}
	return err
}

// SetHeader sets header metadata and keeps a copy of what was set.
func (s *captureStream) SetHeader(md metadata.MD) error {
	err := s.ServerStream.SetHeader(md)
	if err == nil {
		s.keep(&s.header, md)
	}
	return err
}

// SendHeader sends header metadata and keeps a copy of what was sent.
func (s *captureStream) SendHeader(md metadata.MD) error {
	err := s.ServerStream.SendHeader(md)
	if err == nil {
		s.keep(&s.header, md)
	}
	return err
}

// SetTrailer sets trailer metadata and keeps a copy of it.
func (s *captureStream) SetTrailer(md metadata.MD) {
	s.ServerStream.SetTrailer(md)
	s.keep(&s.trailer, md)
}

func (s *captureStream) keep(dst *metadata.MD, md metadata.MD) {
	if len(md) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	*dst = metadata.Join(*dst, md) // copies the values
}

// end completes rec, unless it is nil, with the messages, counts and
// metadata of the stream, and releases the stream's buffers. Messages that
// go through the stream afterwards (from a goroutine the handler left
// behind) are counted no more.
func (s *captureStream) end(rec *capture.Record) {
	reqBody, received := s.recv.close(s.c, rec != nil)
	respBody, sent := s.send.close(s.c, rec != nil)
	if rec == nil {
		return
	}
	rec.Request.Body, rec.Response.Body = reqBody, respBody
	rec.GRPC.RequestMessages, rec.GRPC.ResponseMessages = received, sent
	s.mu.Lock()
	header, trailer := s.header, s.trailer
	s.mu.Unlock()
	red := s.c.c.Redactor()
	rec.Response.Header = metadataHeader(red, header)
	rec.Response.Trailer = metadataHeader(red, trailer)
}

// messageLog keeps the first messages of one direction of a stream, and
// counts them all. It writes them as a JSON array, of which it keeps at
// most the body limit, as they go through; or, deferred (the on-failure
// mode), it keeps them in wire form, which costs a fraction of writing
// JSON, and writes the array only when the call has failed. A handler may
// reuse a message for the next one, so neither can wait for the end.
type messageLog struct {
	mu       sync.Mutex // guards the fields below
	deferred bool
	count    int64 // messages that went through
	closed   bool

	// The array, written as the messages go (or at the end, deferred).
	size    int64   // bytes of the array written so far
	kept    *[]byte // the first bytes of the array, at most the body limit; nil before the first
	scratch *[]byte // the JSON of the last message; nil before the first

	// Deferred: the wire form of the first messages, back to back, up to
	// the body limit but at least the first message; cut reports that a
	// message among the first did not fit, so it and the later ones are
	// not kept.
	wire  *[]byte
	snaps []snapshot
	cut   bool
}

// snapshot is a message kept in wire form: wire[start:end] of its log.
type snapshot struct {
	typ        protoreflect.MessageType // nil: not a protocol buffer message, or it did not marshal
	start, end int
	omitted    string // the JSON element that stands for it when typ is nil
}

// wireOptions marshals the snapshots: sizes cached by the proto.Size just
// before, and partial messages allowed, as the JSON of the eager mode
// allows them.
var wireOptions = proto.MarshalOptions{AllowPartial: true, UseCachedSize: true}

// add counts m and, if it is among the first messages, writes or keeps
// it.
func (l *messageLog) add(c *capturing, m any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.count++
	if l.count > int64(c.messages) {
		return
	}
	if l.deferred {
		l.snapshot(c, m)
		return
	}
	l.writeMessage(c, m)
}

// writeMessage writes m, the next message, in the array.
func (l *messageLog) writeMessage(c *capturing, m any) {
	if l.kept == nil {
		l.kept, l.scratch = c.getBuf(), c.getBuf()
		l.write(c, "[")
	} else {
		l.write(c, ",")
	}
	out, err := appendJSON((*l.scratch)[:0], m)
	*l.scratch = out
	if err != nil {
		l.write(c, omittedElement(m))
		return
	}
	l.writeBytes(c, out)
}

// snapshot keeps m, the next message, in wire form, unless a message
// before it did not fit or it does not fit itself.
func (l *messageLog) snapshot(c *capturing, m any) {
	if l.cut {
		return
	}
	if l.wire == nil {
		l.wire = c.getBuf()
		l.snaps = make([]snapshot, 0, min(c.messages, 64))
	}
	start := len(*l.wire)
	pm, ok := protoMessage(m)
	if !ok {
		l.snaps = append(l.snaps, snapshot{start: start, end: start, omitted: omittedElement(m)})
		return
	}
	if n := proto.Size(pm); start > 0 && start+n > c.limit {
		l.cut = true
		return
	}
	out, err := wireOptions.MarshalAppend(*l.wire, pm)
	if err != nil {
		// Invalid UTF-8 in a string field, say: protojson refuses it too.
		l.snaps = append(l.snaps, snapshot{start: start, end: start, omitted: omittedElement(m)})
		return
	}
	*l.wire = out
	l.snaps = append(l.snaps, snapshot{typ: pm.ProtoReflect().Type(), start: start, end: len(out)})
}

// writeSnapshots writes the array of the messages kept in wire form,
// decoding each into a new message of its type.
func (l *messageLog) writeSnapshots(c *capturing) {
	unmarshal := proto.UnmarshalOptions{AllowPartial: true}
	for _, s := range l.snaps {
		if s.typ == nil {
			l.writeOmitted(c, s.omitted)
			continue
		}
		m := s.typ.New().Interface()
		if err := unmarshal.Unmarshal((*l.wire)[s.start:s.end], m); err != nil {
			l.writeOmitted(c, `"`+redact.Omitted(int64(s.end-s.start))+`"`)
			continue
		}
		l.writeMessage(c, m)
	}
}

// writeOmitted writes the next element of the array as the mark of a
// message that has no JSON form.
func (l *messageLog) writeOmitted(c *capturing, mark string) {
	if l.kept == nil {
		l.kept, l.scratch = c.getBuf(), c.getBuf()
		l.write(c, "[")
	} else {
		l.write(c, ",")
	}
	l.write(c, mark)
}

func (l *messageLog) write(c *capturing, s string) {
	l.size += int64(len(s))
	if n := l.room(c, len(s)); n > 0 {
		*l.kept = append(*l.kept, s[:n]...)
	}
}

func (l *messageLog) writeBytes(c *capturing, p []byte) {
	l.size += int64(len(p))
	if n := l.room(c, len(p)); n > 0 {
		*l.kept = append(*l.kept, p[:n]...)
	}
}

// room returns how many of n more bytes the kept array takes, at most the
// body limit in all, and makes room for them, growing the buffer to at
// most the limit.
func (l *messageLog) room(c *capturing, n int) int {
	buf := *l.kept
	n = min(n, c.limit-len(buf))
	if n > 0 && len(buf)+n > cap(buf) {
		grown := make([]byte, len(buf), min(c.limit, max(2*cap(buf), len(buf)+n, 512)))
		copy(grown, buf)
		*l.kept = grown
	}
	return n
}

// close stops the log and returns, if body, the record body of the array
// of the messages kept, truncated when the stream had more (or, deferred,
// when they did not all fit), and the count of messages. No body for a
// direction that had no message.
func (l *messageLog) close(c *capturing, body bool) (capture.Body, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	var b capture.Body
	if body && l.deferred {
		l.writeSnapshots(c)
	}
	if body && l.kept != nil {
		l.write(c, "]")
		all := l.count <= int64(c.messages) && !l.cut
		b = c.c.Body(jsonType, *l.kept, l.size, all)
	}
	c.putBuf(l.kept)
	c.putBuf(l.scratch)
	c.putBuf(l.wire)
	l.kept, l.scratch, l.wire, l.snaps = nil, nil, nil, nil
	return b, l.count
}
