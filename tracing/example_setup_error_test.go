package tracing_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/reprokit/reprokit/tracing"
)

// A variable Setup cannot use is an error that names it; several are all
// reported. Header values, which hold credentials, are never shown.
func ExampleSetup_invalidVariables() {
	env := map[string]string{
		"OTEL_TRACES_SAMPLER":        "traceidratio",
		"OTEL_TRACES_SAMPLER_ARG":    "1.5",
		"OTEL_EXPORTER_OTLP_HEADERS": "Bearer s3cr3t",
		"OTEL_LOGS_EXPORTER":         "zipkin",
	}
	_, err := tracing.Setup(context.Background(),
		tracing.WithEnvLookup(func(name string) (string, bool) { v, ok := env[name]; return v, ok }),
		tracing.WithoutGlobal())
	fmt.Println(err)

	var envErr *tracing.EnvError
	if errors.As(err, &envErr) {
		fmt.Println("first bad variable:", envErr.Var)
	}
	fmt.Println("unsupported:", errors.Is(err, tracing.ErrUnsupported))
	// Output:
	// tracing: OTEL_TRACES_SAMPLER_ARG="1.5": want a sampling ratio from 0 to 1, such as 0.25
	// tracing: OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value (its text is not shown: it may be a secret)
	// tracing: OTEL_LOGS_EXPORTER="zipkin": the Zipkin exporter is not provided: use otlp
	// first bad variable: OTEL_TRACES_SAMPLER_ARG
	// unsupported: true
}
