package otlphttp

import (
	"errors"
	"io"
	"mime"

	"google.golang.org/protobuf/encoding/protowire"
)

const (
	// maxResponseBody is the most bytes of a response body read.
	maxResponseBody = 64 << 10
	// maxDrain is the most bytes discarded after that so the connection
	// can be reused; a longer body costs the connection instead.
	maxDrain = 256 << 10
)

var errMalformed = errors.New("otlphttp: malformed protobuf")

// readBody reads at most maxResponseBody bytes of body, discards up to
// maxDrain more and closes it. The error is that of the read, if any; the
// bytes read before it are returned.
func readBody(body io.ReadCloser) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxResponseBody))
	if err == nil {
		_, _ = io.CopyN(io.Discard, body, maxDrain)
	}
	_ = body.Close()
	return b, err
}

// isProtobuf reports whether a Content-Type names protobuf. An absent
// Content-Type does not.
func isProtobuf(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/x-protobuf" || mt == "application/protobuf")
}

// partialSuccess is the partial_success field of an
// Export{Trace,Metrics,Logs}ServiceResponse. The three messages share one
// layout: field 1 the rejected count (int64), field 2 the error message.
type partialSuccess struct {
	rejected int64
	message  string
}

// parsePartialSuccess decodes the partial_success field (1) of an OTLP
// export response. It follows protobuf merge rules: a repeated message
// field merges, the last scalar wins, unknown fields and fields of an
// unexpected wire type are skipped. It does not check that strings are
// UTF-8; callers sanitize them.
func parsePartialSuccess(b []byte) (partialSuccess, error) {
	var ps partialSuccess
	err := walkFields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != 1 || typ != protowire.BytesType {
			return nil
		}
		return walkFields(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
			switch {
			case num == 1 && typ == protowire.VarintType:
				ps.rejected = int64(x)
			case num == 2 && typ == protowire.BytesType:
				ps.message = string(v)
			}
			return nil
		})
	})
	if err != nil {
		return partialSuccess{}, err
	}
	return ps, nil
}

// parseStatusMessage returns the message (field 2) of a google.rpc.Status,
// the body the OTLP/HTTP spec asks servers to send with 4xx and 5xx.
func parseStatusMessage(b []byte) (string, error) {
	var msg string
	err := walkFields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num == 2 && typ == protowire.BytesType {
			msg = string(v)
		}
		return nil
	})
	return msg, err
}

// walkFields calls f for each field of the protobuf message b with its
// number and wire type, and either its bytes (length-delimited) or its
// value (varint and fixed). Groups are skipped.
func walkFields(b []byte, f func(protowire.Number, protowire.Type, []byte, uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errMalformed
		}
		b = b[n:]
		var (
			bytes []byte
			x     uint64
		)
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			x = uint64(v)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			bytes, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errMalformed
		}
		b = b[n:]
		if typ == protowire.StartGroupType || typ == protowire.EndGroupType {
			continue
		}
		if err := f(num, typ, bytes, x); err != nil {
			return err
		}
	}
	return nil
}
