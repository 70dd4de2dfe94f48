package bench_test

import "testing"

// BenchmarkRequestID measures giving a request an ID, per implementation,
// with the same handler and writer for all. Compare implementations with
// benchstat -col /impl (see README.md).
func BenchmarkRequestID(b *testing.B) {
	for _, tc := range requestCases {
		b.Run("case="+tc.name, func(b *testing.B) {
			for _, impl := range requestIDImpls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					h := impl.wrap(app)
					r := newRequest(tc)
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
