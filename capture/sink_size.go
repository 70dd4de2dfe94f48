package capture

import "net/http"

// recordOverhead is the part of a record's size that [recordSize] does
// not count field by field: the Record struct itself, its JSON field
// names, times, numbers and short fixed strings (schema, kind, reason,
// the IDs). It is a round figure a little above what a record with empty
// strings takes once encoded.
const recordOverhead = 512

// headerEntryOverhead is what one header value adds beyond the lengths of
// its name and value: quotes, separators and the slice header.
const headerEntryOverhead = 8

// recordSize estimates the memory rec holds and the bytes its JSON line
// takes, for the byte bound of an [AsyncSink]: the lengths of its
// variable-size strings (URL, headers, bodies, error and panic messages,
// gRPC message, flag names) plus a fixed overhead. It is cheap and does
// not allocate: it neither encodes rec nor looks into flag values, whose
// size it counts as a fixed amount each. The Env a record points to is
// shared by every record taken in it and is not counted.
func recordSize(rec *Record) int64 {
	n := recordOverhead +
		len(rec.ID) + len(rec.CorrelationID) + len(rec.TraceID) + len(rec.SpanID) +
		len(rec.Error) + len(rec.Panic) + len(rec.EnvID)

	q := &rec.Request
	n += len(q.Method) + len(q.URL) + len(q.Host) + len(q.Proto) + len(q.Route)
	n += headerSize(q.Header) + headerSize(q.Trailer) + bodySize(&q.Body)

	p := &rec.Response
	n += headerSize(p.Header) + headerSize(p.Trailer) + bodySize(&p.Body)

	if rec.GRPC != nil {
		n += len(rec.GRPC.Code) + len(rec.GRPC.Message)
	}
	for i := range rec.Flags {
		f := &rec.Flags[i]
		n += 64 + len(f.Name) + len(f.Source) + len(f.By)
	}
	return int64(n)
}

// headerSize is the part of [recordSize] for one header.
func headerSize(h http.Header) int {
	n := 0
	for name, values := range h {
		for _, v := range values {
			n += headerEntryOverhead + len(name) + len(v)
		}
	}
	return n
}

// bodySize is the part of [recordSize] for one body.
func bodySize(b *Body) int {
	return len(b.ContentType) + len(b.JSON) + len(b.Text) + len(b.Base64)
}
