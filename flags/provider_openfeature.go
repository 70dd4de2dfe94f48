package flags

import (
	"context"
	"fmt"

	"github.com/open-feature/go-sdk/openfeature"
)

// OpenFeature returns an [Evaluator] that reads flags through an
// OpenFeature client, so that any OpenFeature provider (flagd, a vendor's,
// the SDK's in-memory one) can drive reprokit's flags, with its targeting
// rules applied per request.
//
// Each call maps the [Evaluation] in the context to an OpenFeature
// evaluation context: the route and method as the attributes [AttrRoute]
// and [AttrMethod], each of Evaluation.Attributes as an attribute of the
// same name, except "targetingKey", which becomes the targeting key. The
// client merges it with its own, the API's and the transaction's contexts
// as OpenFeature does. Bool, Int, Float and String keys use the typed
// calls of the client; Duration keys read a string ("10s"); JSON keys read
// an object, decoded into the key's type through its JSON encoding.
//
// A flag the provider does not know (FLAG_NOT_FOUND) goes to the next
// provider of the Set; a value of the wrong type (TYPE_MISMATCH,
// PARSE_ERROR) gives the key's default; any other error is counted, logged
// once and goes to the next provider.
//
// OpenFeature panics if client is nil. Close does nothing: the client and
// its provider are the caller's to shut down. The provider's Name is
// "openfeature", or "openfeature:" followed by the client's domain.
func OpenFeature(client *openfeature.Client) Provider {
	if client == nil {
		panic("flags: OpenFeature with a nil client")
	}
	name := "openfeature"
	if d := client.Metadata().Domain(); d != "" {
		name += ":" + d
	}
	return &openFeatureProvider{client: client, name: name}
}

type openFeatureProvider struct {
	client *openfeature.Client
	name   string
}

var _ Evaluator = (*openFeatureProvider)(nil)

func (p *openFeatureProvider) Name() string { return p.name }

func (p *openFeatureProvider) Lookup(string) (any, bool) { return nil, false }

func (p *openFeatureProvider) Watch(func()) func() { return noStop }

func (p *openFeatureProvider) Close() error { return nil }

func (p *openFeatureProvider) Evaluate(ctx context.Context, name string, kind Kind, e Evaluation) (any, error) {
	ec := evaluationContext(e)
	var (
		v      any
		code   openfeature.ErrorCode
		failed error
	)
	switch kind {
	case KindBool:
		d, err := p.client.BooleanValueDetails(ctx, name, false, ec)
		v, code, failed = d.Value, d.ErrorCode, err
	case KindInt:
		d, err := p.client.IntValueDetails(ctx, name, 0, ec)
		v, code, failed = d.Value, d.ErrorCode, err
	case KindFloat:
		d, err := p.client.FloatValueDetails(ctx, name, 0, ec)
		v, code, failed = d.Value, d.ErrorCode, err
	case KindString, KindDuration:
		d, err := p.client.StringValueDetails(ctx, name, "", ec)
		v, code, failed = d.Value, d.ErrorCode, err
	case KindJSON:
		d, err := p.client.ObjectValueDetails(ctx, name, nil, ec)
		v, code, failed = d.Value, d.ErrorCode, err
	default:
		return nil, fmt.Errorf("%w: kind %d", ErrTypeMismatch, kind)
	}
	if failed == nil {
		return v, nil
	}
	switch code {
	case openfeature.FlagNotFoundCode:
		return nil, ErrNotFound
	case openfeature.TypeMismatchCode, openfeature.ParseErrorCode:
		return nil, fmt.Errorf("%w: openfeature %s", ErrTypeMismatch, code)
	}
	return nil, fmt.Errorf("flags: openfeature: %w", failed)
}

// evaluationContext maps e to an OpenFeature evaluation context.
func evaluationContext(e Evaluation) openfeature.EvaluationContext {
	attrs := make(map[string]any, len(e.Attributes)+2)
	var targetingKey string
	for k, v := range e.Attributes {
		if k == openfeature.TargetingKey {
			targetingKey = v
			continue
		}
		attrs[k] = v
	}
	if e.Route != "" {
		attrs[AttrRoute] = e.Route
	}
	if e.Method != "" {
		attrs[AttrMethod] = e.Method
	}
	return openfeature.NewEvaluationContext(targetingKey, attrs)
}
