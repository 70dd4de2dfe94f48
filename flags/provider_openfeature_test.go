package flags

import (
	"context"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newOpenFeatureClient returns a client of a new OpenFeature API (not the
// global one) whose provider is the SDK's in-memory provider with flags.
func newOpenFeatureClient(t testing.TB, flags map[string]memprovider.InMemoryFlag) *openfeature.Client {
	t.Helper()
	ctx := context.Background()
	api := isolated.NewAPI()
	t.Cleanup(func() { _ = api.Shutdown(ctx) })
	require.NoError(t, api.SetProviderAndWait(ctx, memprovider.NewInMemoryProvider(flags)))
	return api.NewClient()
}

// byRoute is an in-memory flag evaluator that picks the variant named
// after the route, or the default variant.
func byRoute(routes map[string]string) memprovider.ContextEvaluator {
	fn := func(f memprovider.InMemoryFlag, ec openfeature.FlattenedContext) (any, openfeature.ProviderResolutionDetail) {
		route, _ := ec[AttrRoute].(string)
		if variant, ok := routes[route]; ok {
			return f.Variants[variant], openfeature.ProviderResolutionDetail{Reason: openfeature.TargetingMatchReason, Variant: variant}
		}
		return f.Variants[f.DefaultVariant], openfeature.ProviderResolutionDetail{Reason: openfeature.DefaultReason, Variant: f.DefaultVariant}
	}
	return &fn
}

func TestOpenFeatureTargetingByRoute(t *testing.T) {
	client := newOpenFeatureClient(t, map[string]memprovider.InMemoryFlag{
		"t.of.debug": {
			Key: "t.of.debug", State: memprovider.Enabled, DefaultVariant: "off",
			Variants:         map[string]any{"on": true, "off": false},
			ContextEvaluator: byRoute(map[string]string{"/checkout": "on"}),
		},
		"t.of.rate": {
			Key: "t.of.rate", State: memprovider.Enabled, DefaultVariant: "low",
			Variants:         map[string]any{"low": 0.01, "high": 1.0},
			ContextEvaluator: byRoute(map[string]string{"/checkout": "high"}),
		},
	})
	debug, rate := Bool("t.of.debug", false), Float("t.of.rate", 0.5)
	s := NewSet(WithProvider(OpenFeature(client)), WithLogger(new(logRecorder).logger()))
	if _, cacheable := s.Generation(); cacheable {
		t.Error("a Set with a per-call evaluator says its values may be cached")
	}

	checkout := WithEvaluation(context.Background(), Evaluation{Route: "/checkout", Method: "POST"})
	home := WithEvaluation(context.Background(), Evaluation{Route: "/", Method: "GET"})
	assert.True(t, debug.Get(checkout, s))
	assert.Equal(t, 1.0, rate.Get(checkout, s))
	assert.False(t, debug.Get(home, s))
	assert.Equal(t, 0.01, rate.Get(home, s))
	assert.False(t, debug.Get(context.Background(), s), "no Evaluation: the default variant")

	// An override still wins over targeting, for every route.
	require.NoError(t, s.Override("t.of.debug", false, time.Minute, "test"))
	assert.False(t, debug.Get(checkout, s))
	require.NoError(t, s.Clear("t.of.debug", "test"))
	assert.True(t, debug.Get(checkout, s))
	assert.Zero(t, s.Stats().DecodeErrors)
}

func TestOpenFeatureEveryKind(t *testing.T) {
	variant := func(v any) memprovider.InMemoryFlag {
		return memprovider.InMemoryFlag{State: memprovider.Enabled, DefaultVariant: "v", Variants: map[string]any{"v": v}}
	}
	client := newOpenFeatureClient(t, map[string]memprovider.InMemoryFlag{
		"t.ofk.bool":     variant(true),
		"t.ofk.int":      variant(int64(42)),
		"t.ofk.float":    variant(2.5),
		"t.ofk.string":   variant("fast"),
		"t.ofk.duration": variant("90s"),
		"t.ofk.json":     variant(map[string]any{"routes": []any{"/a"}, "rate": 0.5}),
		"t.ofk.wrong":    variant("not a bool"),
		"t.ofk.off":      {State: memprovider.Disabled, DefaultVariant: "v", Variants: map[string]any{"v": true}},
	})
	logs := new(logRecorder)
	s := NewSet(WithProvider(OpenFeature(client)), WithLogger(logs.logger()),
		WithProvider(Static(map[string]any{"t.ofk.fallback": true, "t.ofk.off": "true"})))
	ctx := context.Background()

	assert.True(t, Bool("t.ofk.bool", false).Get(ctx, s))
	assert.Equal(t, int64(42), Int("t.ofk.int", 0).Get(ctx, s))
	assert.Equal(t, 2.5, Float("t.ofk.float", 0).Get(ctx, s))
	assert.Equal(t, "fast", String("t.ofk.string", "").Get(ctx, s))
	assert.Equal(t, 90*time.Second, Duration("t.ofk.duration", 0).Get(ctx, s))
	assert.Equal(t, rules{Routes: []string{"/a"}, Rate: 0.5}, JSON("t.ofk.json", rules{}).Get(ctx, s))

	// Not found in OpenFeature: the next provider decides.
	assert.True(t, Bool("t.ofk.fallback", false).Get(ctx, s))
	// A disabled flag is an error of the provider: counted, logged once,
	// and the next provider decides.
	off := Bool("t.ofk.off", false)
	assert.True(t, off.Get(ctx, s))
	assert.True(t, off.Get(ctx, s))
	assert.Equal(t, uint64(2), s.Stats().EvalErrors)
	assert.Len(t, logs.records(t, "flags: provider failed to evaluate a flag; trying the next"), 1)

	// A value of the wrong type gives the default.
	wrong := Bool("t.ofk.wrong", true)
	assert.True(t, wrong.Get(ctx, s))
	assert.False(t, Bool("t.ofk.wrong", false).Get(ctx, s))
	assert.Equal(t, uint64(2), s.Stats().DecodeErrors)

	assert.Equal(t, "openfeature", OpenFeature(client).Name())
	assert.Panics(t, func() { OpenFeature(nil) })
}

func TestOpenFeatureAfterSnapshotProviders(t *testing.T) {
	client := newOpenFeatureClient(t, map[string]memprovider.InMemoryFlag{
		"t.ofo.mode": {State: memprovider.Enabled, DefaultVariant: "v", Variants: map[string]any{"v": "openfeature"}},
	})
	k := String("t.ofo.mode", "default")
	static := Static(map[string]any{"t.ofo.mode": "static"})

	first := NewSet(WithProvider(static), WithProvider(OpenFeature(client)))
	assert.Equal(t, "static", k.Get(context.Background(), first), "a provider before OpenFeature wins, from the kept value")
	second := NewSet(WithProvider(OpenFeature(client)), WithProvider(static), WithKeys(k))
	assert.Equal(t, "openfeature", k.Get(context.Background(), second))

	f, ok := second.Snapshot().Get("t.ofo.mode")
	require.True(t, ok)
	assert.Equal(t, FlagValue{Name: "t.ofo.mode", Value: "openfeature", Source: "openfeature"}, f)
}

func TestEvaluationContextMapping(t *testing.T) {
	ec := evaluationContext(Evaluation{Route: "/orders/{id}", Method: "GET",
		Attributes: map[string]string{"tenant": "acme", openfeature.TargetingKey: "user-7"}})
	assert.Equal(t, "user-7", ec.TargetingKey())
	assert.Equal(t, map[string]any{AttrRoute: "/orders/{id}", AttrMethod: "GET", "tenant": "acme"}, ec.Attributes())

	e, ok := EvaluationFromContext(context.Background())
	assert.False(t, ok)
	assert.Zero(t, e)
	e, ok = EvaluationFromContext(WithEvaluation(context.Background(), Evaluation{Route: "/x"}))
	assert.True(t, ok)
	assert.Equal(t, "/x", e.Route)
}
