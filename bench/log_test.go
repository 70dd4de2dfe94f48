package bench_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/reprokit/reprokit/correlation"
)

// BenchmarkLog measures one Info call with three attributes, from a request
// context that carries an ID, through each handler writing JSON to
// io.Discard.
func BenchmarkLog(b *testing.B) {
	ctx := correlation.NewContext(context.Background(), incomingID)
	for _, impl := range logImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			logger := slog.New(impl.new(io.Discard))
			b.ReportAllocs()
			for b.Loop() {
				logCall(logger, ctx)
			}
		})
	}
}
