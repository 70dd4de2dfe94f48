package redact_test

import (
	"fmt"

	"github.com/reprokit/reprokit/internal/redact"
)

// The engine finds where the secrets of a text are; a Masker writes what
// replaces them.
func ExampleEngine_FindText() {
	text := "retrying with password=hunter2-hunter2 and key AKIAIOSFODNN7EXAMPLE"
	spans := redact.Default().FindText(nil, text)
	fmt.Println(string(redact.AppendMasked(nil, text, spans, redact.NewMasker(false, nil))))
	// Output: retrying with password=[REDACTED] and key [REDACTED]
}
