package flags

import (
	"os"
	"strings"
)

// DefaultEnvPrefix is the prefix of the environment variables read by
// Env("").
const DefaultEnvPrefix = "REPROKIT_FLAG_"

// Env returns a provider of the environment variables whose names start
// with prefix ([DefaultEnvPrefix] if prefix is empty). The variable of a
// flag is named by [EnvName]: "debug.sample-rate" is read from
// REPROKIT_FLAG_DEBUG_SAMPLE_RATE. Values are text: "true", "1.5", "10s",
// and JSON text for [JSON] keys. A variable set to the empty string counts
// as set.
//
// The environment is read once, when Env is called, as a process's own
// environment does not change from outside. The provider's Name is "env".
func Env(prefix string) Provider {
	if prefix == "" {
		prefix = DefaultEnvPrefix
	}
	p := &envProvider{prefix: prefix, values: make(map[string]string)}
	for _, kv := range os.Environ() {
		if name, value, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, prefix) {
			p.values[name] = value
		}
	}
	return p
}

// EnvName returns the environment variable that [Env] reads for the flag
// name: prefix followed by name upper-cased, with '.' and '-' replaced by
// '_'. Distinct names such as "a.b" and "a_b" share a variable.
func EnvName(prefix, name string) string {
	b := make([]byte, 0, len(prefix)+len(name))
	b = append(b, prefix...)
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '.' || c == '-':
			b = append(b, '_')
		case c >= 'a' && c <= 'z':
			b = append(b, c-'a'+'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

type envProvider struct {
	prefix string
	values map[string]string // by variable name; read-only
}

var _ Provider = (*envProvider)(nil)

func (p *envProvider) Name() string { return "env" }

func (p *envProvider) Lookup(name string) (any, bool) {
	if !ValidName(name) {
		return nil, false
	}
	v, ok := p.values[EnvName(p.prefix, name)]
	if !ok {
		return nil, false
	}
	return v, true
}

func (p *envProvider) Watch(func()) func() { return noStop }

func (p *envProvider) Close() error { return nil }
