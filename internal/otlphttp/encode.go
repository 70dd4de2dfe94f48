package otlphttp

import (
	"bytes"
	"compress/gzip"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// encodeRequest returns the wire form of an Export{Trace,Metrics,Logs}
// ServiceRequest holding msgs: each message as field 1, length-delimited,
// in order. That is byte for byte what proto.Marshal of the collector's
// request message with the same field would produce, without linking the
// collector packages (and through them gRPC).
func encodeRequest[M proto.Message](msgs []M) ([]byte, error) {
	return encodeWith(msgs, proto.MarshalOptions{UseCachedSize: true})
}

func encodeWith[M proto.Message](msgs []M, opts proto.MarshalOptions) ([]byte, error) {
	sizes := make([]int, len(msgs))
	total := 0
	for i, m := range msgs {
		sizes[i] = opts.Size(m) // caches the sizes Marshal reuses
		total += protowire.SizeTag(1) + protowire.SizeBytes(sizes[i])
	}
	b := make([]byte, 0, total)
	for i, m := range msgs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizes[i]))
		out, err := opts.MarshalAppend(b, m)
		if err != nil {
			// Protobuf refuses strings that are not valid UTF-8, which
			// attribute values taken from requests can be. Rather than
			// lose the whole batch, repair them and marshal again,
			// computing sizes afresh since the repair changes them.
			repaired := false
			for _, each := range msgs {
				repaired = repairUTF8(each.ProtoReflect()) || repaired
			}
			if !opts.UseCachedSize || !repaired {
				return nil, err
			}
			return encodeWith(msgs, proto.MarshalOptions{})
		}
		b = out
	}
	return b, nil
}

// repairUTF8 replaces invalid UTF-8 in every string field of m, at any
// depth, with U+FFFD, and reports whether it changed anything.
func repairUTF8(m protoreflect.Message) bool {
	changed := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				if fd.Kind() == protoreflect.StringKind {
					if s := l.Get(i).String(); !utf8.ValidString(s) {
						l.Set(i, protoreflect.ValueOfString(strings.ToValidUTF8(s, "\uFFFD")))
						changed = true
					}
				} else if fd.Message() != nil {
					changed = repairUTF8(l.Get(i).Message()) || changed
				}
			}
		case fd.IsMap():
			// OTLP has no map fields; nothing to repair.
		case fd.Kind() == protoreflect.StringKind:
			if s := v.String(); !utf8.ValidString(s) {
				m.Set(fd, protoreflect.ValueOfString(strings.ToValidUTF8(s, "\uFFFD")))
				changed = true
			}
		case fd.Message() != nil:
			changed = repairUTF8(v.Message()) || changed
		}
		return true
	})
	return changed
}

// gzipWriters holds reusable gzip writers.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// gzipBytes returns b compressed with gzip.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
