package tracing

// instrumentationName is the instrumentation scope of every tracer and
// meter this package creates.
const instrumentationName = "github.com/reprokit/reprokit/tracing"

// version is the instrumentation scope version.
const version = "0.1.0"
