package capture

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
)

// corpusCase is one entry of testdata/secrets.json: an input holding FAKE
// secrets, the secrets of which no piece may survive redaction and the
// neighbours that must.
type corpusCase struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"` // header, url or body
	Header      string   `json:"header"`
	ContentType string   `json:"content_type"`
	Truncated   bool     `json:"truncated"`
	Input       string   `json:"input"`
	Secrets     []string `json:"secrets"`
	Keep        []string `json:"keep"`
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	data, err := os.ReadFile("testdata/secrets.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []corpusCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

// redactCase runs c through the method of its kind.
func redactCase(t testing.TB, r *Redactor, c corpusCase) string {
	t.Helper()
	switch c.Kind {
	case "header":
		return strings.Join(r.Header(c.Header, []string{c.Input}), "\n")
	case "url":
		u, err := url.Parse(c.Input)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		return r.URL(u)
	case "body":
		out, _ := r.Body(c.ContentType, []byte(c.Input), c.Truncated)
		return string(out)
	}
	t.Fatalf("%s: unknown kind %q", c.Name, c.Kind)
	return ""
}

// leak returns the first piece of secret, 8 bytes long (the whole secret
// when it is shorter), that out contains, or "".
func leak(out, secret string) string {
	if len(secret) < 8 {
		if strings.Contains(out, secret) {
			return secret
		}
		return ""
	}
	for i := 0; i+8 <= len(secret); i++ {
		if p := secret[i : i+8]; strings.Contains(out, p) {
			return p
		}
	}
	return ""
}

func TestCorpusNoSecretSurvives(t *testing.T) {
	modes := []struct {
		name  string
		rules Rules
		keep  bool // the neighbours must survive too
	}{
		{"defaults", Rules{}, true},
		{"hash", Rules{Hash: true, HashKey: []byte("corpus")}, true},
		{"allowlist", Rules{AllowList: true, Allow: []string{"Content-Type", "state", "user", "name", "id"}}, false},
	}
	cases := loadCorpus(t)
	for _, m := range modes {
		r := NewRedactor(m.rules)
		for _, c := range cases {
			t.Run(m.name+"/"+c.Name, func(t *testing.T) {
				out := redactCase(t, r, c)
				for _, s := range c.Secrets {
					if p := leak(out, s); p != "" {
						t.Errorf("piece %q of secret %q survives in\n%s", p, s, out)
					}
				}
				if !m.keep {
					return
				}
				for _, k := range c.Keep {
					if !strings.Contains(out, k) {
						t.Errorf("neighbour %q lost in\n%s", k, out)
					}
				}
				if again := redactCase(t, r, corpusCase{Kind: c.Kind, Header: c.Header, ContentType: c.ContentType, Input: out, Name: c.Name}); again != out && !c.Truncated {
					t.Errorf("redacting twice changes the output:\n%s\n%s", out, again)
				}
			})
		}
	}
}

// TestCorpusText runs every URL and text-like input through Text, which
// knows nothing of the input's structure: the pairs and patterns of free
// text must catch the secrets still.
func TestCorpusText(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, c := range loadCorpus(t) {
		if c.Kind == "header" || !textual([]byte(c.Input), c.Truncated) || c.Truncated || strings.HasPrefix(c.ContentType, "multipart/") {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			out := r.Text(c.Input)
			for _, s := range c.Secrets {
				if p := leak(out, s); p != "" {
					t.Errorf("piece %q of secret %q survives in\n%s", p, s, out)
				}
			}
		})
	}
}
