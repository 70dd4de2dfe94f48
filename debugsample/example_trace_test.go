package debugsample_test

import (
	"context"
	"fmt"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/reprokit/reprokit/debugsample"
)

// TraceSampler records the spans of live requests even where the base
// sampler keeps none.
func ExampleTraceSampler() {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(debugsample.TraceSampler(sdktrace.NeverSample())))
	defer tp.Shutdown(context.Background())
	tracer := tp.Tracer("example")

	for _, m := range []debugsample.Mode{debugsample.Off, debugsample.Buffered, debugsample.Live} {
		ctx := debugsample.NewContext(context.Background(), m) // as the middleware does
		_, span := tracer.Start(ctx, "load cart")
		fmt.Printf("%s: recorded %v\n", m, span.IsRecording())
		span.End()
	}
	// Output:
	// off: recorded false
	// buffered: recorded false
	// live: recorded true
}
