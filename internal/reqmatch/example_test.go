package reqmatch_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/reprokit/reprokit/internal/reqmatch"
)

// Rules in ServeMux syntax, tried in order; the first that matches gives
// its data.
func ExampleSet() {
	var rules reqmatch.Set[float64]
	_ = rules.Add(reqmatch.Cond{Pattern: "POST /orders/{id}", Header: "X-Tenant", Value: "acme"}, 1)
	_ = rules.Add(reqmatch.Cond{Pattern: "/orders/"}, 0.1)
	for _, target := range []string{"/orders/42", "/health"} {
		r := httptest.NewRequest("POST", target, nil)
		r.Header.Set("X-Tenant", "acme")
		if rate := rules.Match(r); rate != nil {
			fmt.Println(target, *rate)
		} else {
			fmt.Println(target, "no rule")
		}
	}
	// Output:
	// /orders/42 1
	// /health no rule
}
