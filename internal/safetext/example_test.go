package safetext_test

import (
	"fmt"

	"github.com/reprokit/reprokit/internal/safetext"
)

// Invalid bytes become U+FFFD, and a cut never splits a rune.
func ExampleClean() {
	fmt.Printf("%+q\n", safetext.Clean("caf\xc3\xa9 \xff", 32))
	fmt.Printf("%+q\n", safetext.Clean("café", 4))
	// Output:
	// "caf\u00e9 \ufffd"
	// "caf"
}
