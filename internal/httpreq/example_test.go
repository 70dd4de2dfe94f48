package httpreq_test

import (
	"fmt"

	"github.com/reprokit/reprokit/internal/httpreq"
)

func ExampleValidToken() {
	for _, s := range []string{"X-Request-ID", "POST", "Bad Header", "X\r\nInjected"} {
		fmt.Printf("%q %v\n", s, httpreq.ValidToken(s))
	}
	// Output:
	// "X-Request-ID" true
	// "POST" true
	// "Bad Header" false
	// "X\r\nInjected" false
}
