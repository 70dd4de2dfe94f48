package capture_test

import (
	"fmt"

	"github.com/reprokit/reprokit/capture"
)

// In keyed-hash mode a masked value becomes a mark derived from it, so
// that two records with the same session, token or card can still be
// matched without either holding it. Give every process whose records
// must match the same key; without one, the key is random per process.
func ExampleRules_hash() {
	red := capture.NewRedactor(capture.Rules{Hash: true, HashKey: []byte("example key, keep yours secret")})

	first, _ := red.Body("application/json", []byte(`{"session":"FAKEsession0000","card":"4111 1111 1111 1111"}`), false)
	second := red.Header("Cookie", []string{"session=FAKEsession0000"})
	other := red.Header("Cookie", []string{"session=FAKEsession9999"})
	fmt.Println(string(first))
	fmt.Println(second[0])
	fmt.Println(other[0])
	// Output:
	// {"session":"[REDACTED:417f8b9d]","card":"[REDACTED:79d7e2a9]"}
	// session=[REDACTED:417f8b9d]
	// session=[REDACTED:96ecc640]
}
