package bench_test

import (
	"io"
	"testing"
)

// BenchmarkServer measures one request through a server-span middleware,
// per OpenTelemetry configuration and implementation, with the same
// handler, request and writer for all. Compare implementations with
// benchstat -col /impl (see README.md).
func BenchmarkServer(b *testing.B) {
	for _, pc := range providerCases {
		b.Run("case="+pc.name, func(b *testing.B) {
			for _, impl := range serverImpls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					h := impl.wrap(app, pc.new(b, discardSpans()))
					r := newTracedRequest()
					w := newWriter()
					b.ReportAllocs()
					for b.Loop() {
						w.reset()
						h.ServeHTTP(w, r)
					}
				})
			}
		})
	}
}

// BenchmarkStack measures one request through a whole stack (request ID,
// server span with the SDK, one log line to io.Discard), per
// implementation.
func BenchmarkStack(b *testing.B) {
	for _, impl := range stackImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			h := impl.new(io.Discard, newSDK(b, discardSpans()), nil)
			r := newTracedRequest()
			w := newWriter()
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				h.ServeHTTP(w, r)
			}
		})
	}
}
