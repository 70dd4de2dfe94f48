package capture_test

import (
	"fmt"

	"github.com/reprokit/reprokit/capture"
)

// The default rules need no configuration: sensitive keys at any depth,
// OAuth parameters and credentials inside free text are masked; the
// shape, key order and number text of the document are kept.
func ExampleRedactor_Body() {
	red := capture.NewRedactor(capture.Rules{})
	body := []byte(`{"user":{"name":"Alice","password":"hunter2"},"total":42.50,` +
		`"note":"call back with Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.FAKEsignature00",` +
		`"token_uri":"https://oauth2.example/token"}`)
	out, omitted := red.Body("application/json", body, false)
	fmt.Println(string(out), omitted)

	out, omitted = red.Body("image/png", []byte("\x89PNG\r\n\x1a\n"), false)
	fmt.Println(string(out), omitted)
	// Output:
	// {"user":{"name":"Alice","password":"[REDACTED]"},"total":42.50,"note":"call back with Bearer [REDACTED]","token_uri":"https://oauth2.example/token"} false
	// [omitted: 8 bytes] true
}
