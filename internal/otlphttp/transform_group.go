package otlphttp

import (
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
)

// grouper gathers items by resource, then by instrumentation scope, each
// in the order first seen. Resources and scopes are compared by value, not
// by hash, so a hash collision cannot merge two groups. A batch holds few
// resources and scopes, so the search is linear, with the group of the
// previous item tried first.
type grouper[T any] struct {
	resources []*resourceGroup[T]
	last      *resourceGroup[T]
}

type resourceGroup[T any] struct {
	res    *resource.Resource
	scopes []*scopeGroup[T]
	last   *scopeGroup[T]
}

type scopeGroup[T any] struct {
	scope instrumentation.Scope
	items []T
}

func (g *grouper[T]) add(res *resource.Resource, scope instrumentation.Scope, item T) {
	rg := g.last
	if rg == nil || !sameResource(rg.res, res) {
		rg = nil
		for _, r := range g.resources {
			if sameResource(r.res, res) {
				rg = r
				break
			}
		}
		if rg == nil {
			rg = &resourceGroup[T]{res: res}
			g.resources = append(g.resources, rg)
		}
		g.last = rg
	}

	sg := rg.last
	if sg == nil || !sameScope(&sg.scope, &scope) {
		sg = nil
		for _, s := range rg.scopes {
			if sameScope(&s.scope, &scope) {
				sg = s
				break
			}
		}
		if sg == nil {
			sg = &scopeGroup[T]{scope: scope}
			rg.scopes = append(rg.scopes, sg)
		}
		rg.last = sg
	}
	sg.items = append(sg.items, item)
}
