package capture_test

import (
	"fmt"
	"net/url"

	"github.com/reprokit/reprokit/capture"
)

// In allow-list mode only the values of the listed names are kept, in
// headers, query strings, forms and JSON alike; everything else is masked,
// and the value patterns still apply to what is kept.
func ExampleRules_allowList() {
	red := capture.NewRedactor(capture.Rules{
		AllowList: true,
		Allow:     []string{"id", "status", "items", "sku", "page"},
	})
	out, _ := red.Body("application/json", []byte(
		`{"id":7,"status":"paid","email":"alice@example.com","items":[{"sku":"A-1","price":9.5}],"status_detail":"ok"}`), false)
	fmt.Println(string(out))

	u, _ := url.Parse("/orders?page=2&email=alice%40example.com")
	fmt.Println(red.URL(u))

	out, omitted := red.Body("text/plain", []byte("free text cannot be allow-listed"), false)
	fmt.Println(string(out), omitted)
	// Output:
	// {"id":7,"status":"paid","email":"[REDACTED]","items":[{"sku":"A-1","price":"[REDACTED]"}],"status_detail":"[REDACTED]"}
	// /orders?page=2&email=[REDACTED]
	// [omitted: 32 bytes] true
}
