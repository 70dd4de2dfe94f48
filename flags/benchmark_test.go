package flags

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature/memprovider"
)

// benchSet is the Set of the benchmarks: a file provider (polling only when
// told, so no reload disturbs the measure) before a static one, as a
// service would configure them.
func benchSet(b *testing.B, opts ...Option) *Set {
	b.Helper()
	path := filepath.Join(b.TempDir(), "flags.json")
	content := `{"b.bool": true, "b.rules": {"routes": ["/checkout", "/pay"], "rate": 0.5}}`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
	tick, _ := manualTicks()
	file, err := File(path, tick)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { file.Close() })
	opts = append([]Option{WithProvider(file), WithProvider(Static(map[string]any{"b.float": 0.25})),
		WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	return NewSet(opts...)
}

var (
	benchBool  = Bool("b.bool", false)
	benchFloat = Float("b.float", 0)
	benchRules = JSON("b.rules", rules{})
	sinkBool   bool
	sinkFloat  float64
	sinkRules  rules
)

// BenchmarkGet reads keys of three kinds through a Set with a file and a
// static provider: the cost of a flag read on the request path. The
// override cases add the clock read that an override in force costs.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	plain := benchSet(b)
	overridden := benchSet(b)
	for _, name := range []string{"b.bool", "b.float"} {
		if err := overridden.Override(name, map[string]any{"b.bool": false, "b.float": 0.75}[name], time.Hour, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	cases := []struct {
		name string
		read func(*Set)
		set  *Set
	}{
		{name: "bool/nil_set", set: nil, read: func(s *Set) { sinkBool = benchBool.Get(ctx, s) }},
		{name: "bool/file", set: plain, read: func(s *Set) { sinkBool = benchBool.Get(ctx, s) }},
		{name: "float/static", set: plain, read: func(s *Set) { sinkFloat = benchFloat.Get(ctx, s) }},
		{name: "json/file", set: plain, read: func(s *Set) { sinkRules = benchRules.Get(ctx, s) }},
		{name: "bool/override", set: overridden, read: func(s *Set) { sinkBool = benchBool.Get(ctx, s) }},
		{name: "float/override", set: overridden, read: func(s *Set) { sinkFloat = benchFloat.Get(ctx, s) }},
		{name: "json/override_other", set: overridden, read: func(s *Set) { sinkRules = benchRules.Get(ctx, s) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tc.read(tc.set)
			}
		})
	}
	b.Run("bool/file/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchBool.Get(ctx, plain)
			}
		})
	})
}

// BenchmarkGetOpenFeature reads a bool key that only an OpenFeature
// provider (the SDK's in-memory one, targeting by route) has: the per-call
// cost of an Evaluator, for comparison with BenchmarkGet.
func BenchmarkGetOpenFeature(b *testing.B) {
	client := newOpenFeatureClient(b, map[string]memprovider.InMemoryFlag{
		"b.of": {State: memprovider.Enabled, DefaultVariant: "off",
			Variants:         map[string]any{"on": true, "off": false},
			ContextEvaluator: byRoute(map[string]string{"/checkout": "on"})},
	})
	k := Bool("b.of", false)
	s := NewSet(WithProvider(OpenFeature(client)), WithLogger(slog.New(slog.DiscardHandler)))
	ctx := WithEvaluation(context.Background(), Evaluation{Route: "/checkout", Method: "POST"})
	b.ReportAllocs()
	for b.Loop() {
		sinkBool = k.Get(ctx, s)
	}
}
