package reqmatch

import (
	"net/http/httptest"
	"testing"
)

func TestSetFirstMatchWins(t *testing.T) {
	var s Set[string]
	for _, r := range []struct {
		c    Cond
		data string
	}{
		{Cond{Pattern: "/api/", Header: "X-Tenant", Value: "acme"}, "acme"},
		{Cond{Pattern: "POST /api/orders/{id}"}, "order"},
		{Cond{Pattern: "/api/"}, "api"},
		{Cond{Pattern: "api.example.com/"}, "host"},
	} {
		if err := s.Add(r.c, r.data); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		method, target, tenant string
		want                   string
	}{
		{"POST", "/api/orders/7", "", "order"},
		{"POST", "/api/orders/7", "acme", "acme"},
		{"GET", "/api/orders/7", "", "api"},
		{"GET", "http://api.example.com/x", "", "host"},
		{"GET", "/other", "", ""},
		{"GET", "/api/../other", "", ""}, // cleaned as ServeMux cleans it
	} {
		r := httptest.NewRequest(tt.method, tt.target, nil)
		if tt.tenant != "" {
			r.Header.Set("X-Tenant", tt.tenant)
		}
		got := ""
		if p := s.Match(r); p != nil {
			got = *p
		}
		if got != tt.want {
			t.Errorf("%s %s (tenant %q): %q, want %q", tt.method, tt.target, tt.tenant, got, tt.want)
		}
	}
}

func TestSetRefusesBadConditions(t *testing.T) {
	for _, c := range []Cond{
		{Pattern: "/{x"},
		{Pattern: "POST /x", Method: "GET"},
		{Method: "G T"},
		{Header: "Bad\r\nHeader"},
	} {
		var s Set[int]
		if err := s.Add(c, 1); err == nil {
			t.Errorf("%+v accepted", c)
		}
		if s.Len() != 0 {
			t.Errorf("%+v added", c)
		}
	}
	var nilSet *Set[int]
	if nilSet.Match(httptest.NewRequest("GET", "/", nil)) != nil || nilSet.Len() != 0 {
		t.Error("a nil Set matched")
	}
}
