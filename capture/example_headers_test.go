package capture_test

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/reprokit/reprokit/capture"
)

// Headers keep the scheme of credentials and the names of cookies; a
// URL keeps its path and the names and order of its parameters.
func ExampleRedactor_Headers() {
	red := capture.NewRedactor(capture.Rules{})
	h := red.Headers(http.Header{
		"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.FAKEsignature00"},
		"Cookie":        {"session=FAKEsession0000; theme=dark"},
		"Accept":        {"application/json"},
	})
	fmt.Println(h["Authorization"], h["Cookie"], h["Accept"])

	u, _ := url.Parse("/oauth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj")
	fmt.Println(red.URL(u))
	// Output:
	// [Bearer [REDACTED]] [session=[REDACTED]; theme=[REDACTED]] [application/json]
	// /oauth/callback?code=[REDACTED]&state=af0ifjsldkj
}
