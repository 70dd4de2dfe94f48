package grpcdiag

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// clientStream is a grpc.ClientStream whose client span ends when the
// stream does, as the caller sees it: RecvMsg returns an error (io.EOF is
// success), a stream that does not stream responses has received its
// one message, Header or SendMsg fail, or the call's context is done.
// A stream that the caller abandons without any of these, on a connection
// that is then closed, leaves its span unended, and so unexported. It is
// safe for the concurrent use gRPC allows: one goroutine sending and one
// receiving.
type clientStream struct {
	grpc.ClientStream
	serverStreams bool
	tel           *telemetry
	ctx           context.Context // holds the span
	span          trace.Span
	m             *method
	start         time.Time
	stop          func() bool // unregisters the context's callback
	once          sync.Once
}

var _ grpc.ClientStream = (*clientStream)(nil)

func newClientStream(cs grpc.ClientStream, desc *grpc.StreamDesc, tel *telemetry, ctx context.Context, span trace.Span, m *method, start time.Time) *clientStream {
	s := &clientStream{
		ClientStream:  cs,
		serverStreams: desc == nil || desc.ServerStreams,
		tel:           tel,
		ctx:           ctx,
		span:          span,
		m:             m,
		start:         start,
	}
	// Without a goroutine: the callback runs only if the context ends
	// before the stream does.
	s.stop = context.AfterFunc(ctx, func() { s.finish(ctx.Err()) })
	return s
}

// done ends the span from the caller's goroutine with the error the stream
// ended with.
func (s *clientStream) done(err error) {
	s.stop()
	s.finish(err)
}

// finish ends the span once.
func (s *clientStream) finish(err error) {
	s.once.Do(func() {
		if errors.Is(err, io.EOF) {
			err = nil
		}
		s.tel.end(s.ctx, s.span, s.m, s.start, err, nil)
	})
}

// RecvMsg receives a message and ends the span when the stream ends.
func (s *clientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	switch {
	case err != nil:
		s.done(err)
	case !s.serverStreams:
		s.done(nil) // the one response: gRPC has finished the stream
	}
	return err
}

// SendMsg sends a message and ends the span if the stream failed. io.EOF
// means that the stream has ended: its status comes from RecvMsg.
func (s *clientStream) SendMsg(m any) error {
	err := s.ClientStream.SendMsg(m)
	if err != nil && !errors.Is(err, io.EOF) {
		s.done(err)
	}
	return err
}

// Header returns the response header and ends the span if the stream
// failed.
func (s *clientStream) Header() (metadata.MD, error) {
	md, err := s.ClientStream.Header()
	if err != nil && !errors.Is(err, io.EOF) {
		s.done(err)
	}
	return md, err
}
