package tracing

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/reprokit/reprokit/internal/otlptest"
)

func TestTemporalitySelector(t *testing.T) {
	const (
		c = metricdata.CumulativeTemporality
		d = metricdata.DeltaTemporality
	)
	kinds := []sdkmetric.InstrumentKind{
		sdkmetric.InstrumentKindCounter,
		sdkmetric.InstrumentKindHistogram,
		sdkmetric.InstrumentKindObservableCounter,
		sdkmetric.InstrumentKindUpDownCounter,
		sdkmetric.InstrumentKindObservableUpDownCounter,
		sdkmetric.InstrumentKindGauge,
		sdkmetric.InstrumentKindObservableGauge,
	}
	tests := []struct {
		preference string
		want       []metricdata.Temporality // in the order of kinds
	}{
		{"cumulative", []metricdata.Temporality{c, c, c, c, c, c, c}},
		{"delta", []metricdata.Temporality{d, d, d, c, c, c, c}},
		{"lowmemory", []metricdata.Temporality{d, d, c, c, c, c, c}},
		{"", []metricdata.Temporality{c, c, c, c, c, c, c}},        // traces and logs
		{"Delta", []metricdata.Temporality{c, c, c, c, c, c, c}},   // Setup passes lower case only
		{"unknown", []metricdata.Temporality{c, c, c, c, c, c, c}}, // never passed by Setup
	}
	for _, tt := range tests {
		t.Run(tt.preference, func(t *testing.T) {
			sel := OTLPSettings{TemporalityPreference: tt.preference}.TemporalitySelector()
			for i, k := range kinds {
				if got := sel(k); got != tt.want[i] {
					t.Errorf("%s: %v, want %v", k, got, tt.want[i])
				}
			}
		})
	}
}

func TestTemporalityPreferenceError(t *testing.T) {
	tests := []struct {
		value, want string
	}{
		{"Deltas", `tracing: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="Deltas": want one of cumulative, delta, lowmemory`},
		{"delta\r\n\x00\xff", `tracing: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="delta\r\n\x00\xff": want one of cumulative, delta, lowmemory`},
		{strings.Repeat("d", 200), `tracing: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="` + strings.Repeat("d", 80) + `…": want one of cumulative, delta, lowmemory`},
	}
	for _, tt := range tests {
		t.Run(capValue(tt.value), func(t *testing.T) {
			_, err := plan(map[string]string{envTemporalityPreference: tt.value})
			ees := envErrors(err)
			if len(ees) != 1 || ees[0].Var != envTemporalityPreference {
				t.Fatalf("errors = %v, want one EnvError for %s", err, envTemporalityPreference)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %s\nwant    %s", got, tt.want)
			}
			if errors.Is(err, ErrUnsupported) {
				t.Error("an invalid value is reported as unsupported")
			}
		})
	}
}

// TestSetupTemporalityOverOTLP sets the temporality preference for Setup
// and checks, at an in-process OTLP/HTTP receiver, the temporality each
// kind of instrument is exported with.
func TestSetupTemporalityOverOTLP(t *testing.T) {
	const (
		cumulative = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
		delta      = metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA
	)
	tests := []struct {
		name       string
		preference string // unset when empty
		// The temporality of a counter, a histogram, an observable counter
		// and an up-down counter.
		counter, histogram, observable, upDown metricpb.AggregationTemporality
	}{
		{"default", "", cumulative, cumulative, cumulative, cumulative},
		{"cumulative", "Cumulative", cumulative, cumulative, cumulative, cumulative},
		{"delta", "delta", delta, delta, delta, cumulative},
		{"lowmemory", "LOWMEMORY", delta, delta, cumulative, cumulative},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := otlptest.NewReceiver(t)
			env := map[string]string{
				"OTEL_TRACES_EXPORTER":        "none",
				"OTEL_LOGS_EXPORTER":          "none",
				"OTEL_EXPORTER_OTLP_ENDPOINT": recv.URL(),
			}
			if tt.preference != "" {
				env[envTemporalityPreference] = tt.preference
			}
			var p Providers
			shutdown, err := Setup(context.Background(), WithEnvLookup(envMap(env)), WithoutGlobal(), WithProviders(&p))
			if err != nil {
				t.Fatal(err)
			}
			meter := p.MeterProvider.Meter("test")
			ctx := context.Background()
			counter, err := meter.Int64Counter("orders")
			if err != nil {
				t.Fatal(err)
			}
			counter.Add(ctx, 3)
			hist, err := meter.Float64Histogram("latency")
			if err != nil {
				t.Fatal(err)
			}
			hist.Record(ctx, 0.25)
			upDown, err := meter.Int64UpDownCounter("queue.depth")
			if err != nil {
				t.Fatal(err)
			}
			upDown.Add(ctx, -2)
			_, err = meter.Int64ObservableCounter("cpu.time", metric.WithInt64Callback(
				func(_ context.Context, o metric.Int64Observer) error { o.Observe(42); return nil }))
			if err != nil {
				t.Fatal(err)
			}
			if err := shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}

			sum := func(name string) *metricpb.Sum {
				t.Helper()
				m := recv.LastMetric(name)
				if m.GetSum() == nil {
					t.Fatalf("no sum %q received (metrics: %v)", name, recv.AllMetrics())
				}
				return m.GetSum()
			}
			if got := sum("orders"); got.GetAggregationTemporality() != tt.counter || got.GetDataPoints()[0].GetAsInt() != 3 {
				t.Errorf("counter: %v, want %v of 3", got, tt.counter)
			}
			if got := sum("cpu.time").GetAggregationTemporality(); got != tt.observable {
				t.Errorf("observable counter: %v, want %v", got, tt.observable)
			}
			if got := sum("queue.depth"); got.GetAggregationTemporality() != tt.upDown || got.GetDataPoints()[0].GetAsInt() != -2 {
				t.Errorf("up-down counter: %v, want %v of -2", got, tt.upDown)
			}
			h := recv.LastMetric("latency").GetHistogram()
			if h == nil || h.GetAggregationTemporality() != tt.histogram {
				t.Errorf("histogram: %v, want %v", h, tt.histogram)
			}
		})
	}
}

// TestSetupTemporalityOnConsole checks that the console metric exporter
// honours the preference too.
func TestSetupTemporalityOnConsole(t *testing.T) {
	tests := []struct {
		preference string
		want       string
	}{
		{"", `"Temporality":"CumulativeTemporality"`},
		{"Delta", `"Temporality":"DeltaTemporality"`},
	}
	for _, tt := range tests {
		t.Run(tt.preference, func(t *testing.T) {
			var buf bytes.Buffer
			var p Providers
			shutdown, err := Setup(context.Background(),
				WithEnvLookup(quietEnv(map[string]string{"OTEL_METRICS_EXPORTER": "console", envTemporalityPreference: tt.preference})),
				WithConsoleWriter(&buf), WithoutGlobal(), WithProviders(&p))
			if err != nil {
				t.Fatal(err)
			}
			counter, err := p.MeterProvider.Meter("test").Int64Counter("orders")
			if err != nil {
				t.Fatal(err)
			}
			counter.Add(context.Background(), 1)
			if err := shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if !strings.Contains(out, `"Name":"orders"`) || !strings.Contains(out, tt.want) {
				t.Errorf("console output lacks orders with %s:\n%s", tt.want, out)
			}
		})
	}
}
