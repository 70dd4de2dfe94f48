package flags

import (
	"maps"
	"slices"
)

// Static returns a provider of fixed values, such as the defaults of one
// environment set in code or values loaded from a config file at start-up.
// Values are Go values (see [Bool] and the other key constructors for what
// decodes to what); a string is text, as from the environment, and a
// json.RawMessage is JSON. The map is copied; entries with an invalid name
// (see [ValidName]) or a nil value are left out. The provider's Name is
// "static".
func Static(values map[string]any) Provider {
	p := &staticProvider{values: make(map[string]any, len(values))}
	for name, v := range values {
		if ValidName(name) && v != nil {
			p.values[name] = v
		}
	}
	p.names = slices.Sorted(maps.Keys(p.values))
	return p
}

type staticProvider struct {
	values map[string]any // read-only
	names  []string       // read-only
}

var (
	_ Provider = (*staticProvider)(nil)
	_ Lister   = (*staticProvider)(nil)
)

func (p *staticProvider) Name() string { return "static" }

func (p *staticProvider) Lookup(name string) (any, bool) {
	v, ok := p.values[name]
	return v, ok
}

func (p *staticProvider) Names() []string { return slices.Clone(p.names) }

func (p *staticProvider) Watch(func()) func() { return noStop }

func (p *staticProvider) Close() error { return nil }
