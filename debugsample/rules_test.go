package debugsample

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRuleMatch(t *testing.T) {
	tests := []struct {
		name   string
		rule   Rule
		method string
		target string // URL or path
		header http.Header
		want   bool
	}{
		{"empty rule matches all", Rule{}, "GET", "/anything", nil, true},
		{"exact path", Rule{Pattern: "/healthz"}, "GET", "/healthz", nil, true},
		{"exact path, not below", Rule{Pattern: "/healthz"}, "GET", "/healthz/x", nil, false},
		{"exact path, not with slash", Rule{Pattern: "/healthz"}, "GET", "/healthz/", nil, false},
		{"subtree", Rule{Pattern: "/admin/"}, "GET", "/admin/users/1", nil, true},
		{"subtree root", Rule{Pattern: "/admin/"}, "GET", "/admin/", nil, true},
		{"subtree without slash is a redirect", Rule{Pattern: "/admin/"}, "GET", "/admin", nil, false},
		{"wildcard", Rule{Pattern: "/orders/{id}"}, "GET", "/orders/42", nil, true},
		{"wildcard, one segment only", Rule{Pattern: "/orders/{id}"}, "GET", "/orders/42/items", nil, false},
		{"wildcard, not empty trailing", Rule{Pattern: "/orders/{id}"}, "GET", "/orders/", nil, false},
		{"multi wildcard", Rule{Pattern: "/files/{path...}"}, "GET", "/files/a/b/c", nil, true},
		{"end anchor", Rule{Pattern: "/{$}"}, "GET", "/", nil, true},
		{"end anchor, not below", Rule{Pattern: "/{$}"}, "GET", "/x", nil, false},
		{"method in pattern", Rule{Pattern: "POST /orders/"}, "POST", "/orders/1", nil, true},
		{"method in pattern, other method", Rule{Pattern: "POST /orders/"}, "GET", "/orders/1", nil, false},
		{"method field", Rule{Pattern: "/orders/", Method: "DELETE"}, "DELETE", "/orders/1", nil, true},
		{"method field, other method", Rule{Pattern: "/orders/", Method: "DELETE"}, "PUT", "/orders/1", nil, false},
		{"GET matches HEAD", Rule{Pattern: "GET /x"}, "HEAD", "/x", nil, true},
		{"host", Rule{Pattern: "api.example.com/"}, "GET", "http://api.example.com:8080/v1", nil, true},
		{"other host", Rule{Pattern: "api.example.com/"}, "GET", "http://www.example.com/v1", nil, false},
		{"escaped segment", Rule{Pattern: "/a%20b/"}, "GET", "/a%20b/c", nil, true},
		{"escaped slash is one segment", Rule{Pattern: "/a%2Fb"}, "GET", "/a%2Fb", nil, true},
		{"unclean path is cleaned", Rule{Pattern: "/admin/"}, "GET", "/x/../admin/y", nil, true},
		{"header present", Rule{Header: "x-tenant"}, "GET", "/", http.Header{"X-Tenant": {"acme"}}, true},
		{"header absent", Rule{Header: "x-tenant"}, "GET", "/", nil, false},
		{"header value", Rule{Header: "X-Tenant", Value: "acme"}, "GET", "/", http.Header{"X-Tenant": {"beta", "acme"}}, true},
		{"header other value", Rule{Header: "X-Tenant", Value: "acme"}, "GET", "/", http.Header{"X-Tenant": {"Acme"}}, false},
		{"all conditions", Rule{Pattern: "POST /orders/{id}", Header: "X-Tenant", Value: "acme"}, "POST", "/orders/9", http.Header{"X-Tenant": {"acme"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, errs := compileRules([]Rule{tt.rule})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			r := httptest.NewRequest(tt.method, tt.target, nil)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			if got := set.match(r) != nil; got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInvalidRules(t *testing.T) {
	bad := []Rule{
		{Pattern: "orders"},                       // no slash
		{Pattern: "/orders/{id"},                  // unclosed
		{Pattern: "/a/{x}/{x}"},                   // duplicate name
		{Pattern: "/{x...}/b"},                    // multi not last
		{Pattern: "G@T /x"},                       // bad method
		{Pattern: "POST /x", Method: "GET"},       // two methods
		{Pattern: "/x", Method: "G T"},            // bad method field
		{Pattern: "/x", Header: "Bad Header"},     // bad header name
		{Pattern: "/x", Header: "X-Ok\r\nInject"}, // bad header name
	}
	for _, r := range bad {
		if _, err := compileRule(r); err == nil {
			t.Errorf("rule %+v accepted", r)
		}
	}
	var logs capture
	s := NewSampler(WithPolicy(Policy{Rules: append(bad, Rule{Pattern: "/ok", LiveRate: 1})}), WithLogger(slog.New(logs.handler())))
	if got := s.Stats().InvalidRules(); got != uint64(len(bad)) {
		t.Errorf("InvalidRules = %d, want %d", got, len(bad))
	}
	if d := s.Decide(httptest.NewRequest("GET", "/ok", nil)); d.Mode != Live || d.Reason != ReasonRule {
		t.Errorf("the valid rule was lost: %+v", d)
	}
	if n := len(logs.lines(t)); n != 1 {
		t.Errorf("%d warning lines, want 1: %s", n, logs.String())
	}
}

// TestRulesOrder: the first matching rule wins, so a header rule can sit
// before a broader one for the same pattern.
func TestRulesOrder(t *testing.T) {
	set, _ := compileRules([]Rule{
		{Pattern: "/api/", Header: "X-Tenant", Value: "acme", LiveRate: 1},
		{Pattern: "/api/", BufferedRate: 1},
		{Pattern: "/api/orders/", LiveRate: 0.5},
	})
	r := httptest.NewRequest("GET", "/api/orders/1", nil)
	if c := set.match(r); c == nil || c.buffered != 1 {
		t.Errorf("without header: rule %+v, want the second", c)
	}
	r.Header.Set("X-Tenant", "acme")
	if c := set.match(r); c == nil || c.live != 1 {
		t.Errorf("with header: rule %+v, want the first", c)
	}
}

func TestRuleRatesClamped(t *testing.T) {
	c, err := compileRule(Rule{LiveRate: 7, BufferedRate: -1})
	if err != nil || c.live != 1 || c.buffered != 0 {
		t.Errorf("rule %+v, %v; want rates 1 and 0", c, err)
	}
}
