package flags

import "context"

// Attribute names that the [OpenFeature] adapter gives the route and method
// of an [Evaluation], after the OpenTelemetry semantic conventions.
const (
	AttrRoute  = "http.route"
	AttrMethod = "http.request.method"
)

// Evaluation describes the request a flag is read for, for the providers
// that decide per request (see [Evaluator]), such as an OpenFeature
// provider with targeting rules. Put one in the request's context with
// [WithEvaluation] (package debugsample does so when given its
// WithFlagEvaluation option).
//
// Attributes come from the request and are as trustworthy as it is:
// targeting on them selects traffic, it does not authenticate it.
type Evaluation struct {
	Route  string // the matched route pattern, such as "/orders/{id}"
	Method string // the HTTP method, or the gRPC full method name

	// Attributes are further facts about the request, such as
	// "tenant" or "region". The OpenFeature adapter passes them as
	// evaluation context attributes, and the one named "targetingKey" as
	// the targeting key. The map must not be modified once in a context.
	Attributes map[string]string
}

type evaluationKey struct{}

// WithEvaluation returns a copy of ctx that carries e.
func WithEvaluation(ctx context.Context, e Evaluation) context.Context {
	return context.WithValue(ctx, evaluationKey{}, e)
}

// EvaluationFromContext returns the Evaluation that ctx carries, and
// whether it carries one; without one it returns the zero Evaluation.
func EvaluationFromContext(ctx context.Context) (Evaluation, bool) {
	e, ok := ctx.Value(evaluationKey{}).(Evaluation)
	return e, ok
}
