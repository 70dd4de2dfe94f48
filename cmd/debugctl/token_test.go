package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/debugsample"
)

// tokenTestKey is the fake key of the token tests: 32 bytes, none of them
// a newline.
const tokenTestKey = "k3yFAKE-0123456789abcdefghijKLMN"

// writeKeyFile writes content to a new key file of mode perm and returns
// its path.
func writeKeyFile(t *testing.T, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "debug.key")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	require.NoError(t, os.Chmod(p, perm)) // whatever the umask
	return p
}

// decide returns the debug mode that a service holding key gives a
// request with token in its X-Debug-Token header.
func decide(t *testing.T, key []byte, token, method, target string) debugsample.Mode {
	t.Helper()
	s := debugsample.NewSampler(debugsample.WithTokenKeys(key))
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set(debugsample.DefaultTokenHeader, token)
	return s.Decide(r).Mode
}

// assertNoKey fails the test if out holds a piece of the key.
func assertNoKey(t *testing.T, what, out string) {
	t.Helper()
	assertNoPiece(t, what, out, tokenTestKey)
	assertNoPiece(t, what, out, hex.EncodeToString([]byte(tokenTestKey)))
}

func TestTokenRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name    string
		content string // of the key file
		args    []string
	}{
		{"raw, with a newline", tokenTestKey + "\n", nil},
		{"raw, with CRLF", tokenTestKey + "\r\n", nil},
		{"raw, without newline", tokenTestKey, nil},
		{"hex", hex.EncodeToString([]byte(tokenTestKey)) + "\n", []string{"--key-encoding", "hex"}},
		{"base64", base64.StdEncoding.EncodeToString([]byte(tokenTestKey)) + "\n", []string{"--key-encoding", "base64"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			keyFile := writeKeyFile(t, tt.content, 0o600)
			args := append([]string{"token", "--key-file", keyFile, "--ttl", "2m", "--scope", "GET /orders/{id}"}, tt.args...)
			stdout, stderr, code := debugctl(t, args...)
			require.Equal(t, exitOK, code, stderr)
			assert.Empty(t, stderr, "no hint when stdout is not a terminal")
			token := strings.TrimSuffix(stdout, "\n")
			require.NotContains(t, token, "\n", "the token alone, on one line")
			assert.Equal(t, debugsample.Live, decide(t, []byte(tokenTestKey), token, http.MethodGet, "/orders/42"))
			assert.Equal(t, debugsample.Off, decide(t, []byte(tokenTestKey), token, http.MethodPost, "/orders/42"), "out of scope")
			assert.Equal(t, debugsample.Off, decide(t, []byte(tokenTestKey+"x"), token, http.MethodGet, "/orders/42"), "another key")
			assertNoKey(t, "stdout", stdout)
		})
	}

	t.Run("key in a variable, JSON", func(t *testing.T) {
		stdout, stderr, code := debugctlEnv(t, []string{"DEBUG_KEY=" + tokenTestKey}, "token", "--key-env", "DEBUG_KEY", "--json")
		require.Equal(t, exitOK, code, stderr)
		var out struct {
			Token, Header, Scope string
			Expires              time.Time
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &out))
		assert.Equal(t, "X-Debug-Token", out.Header)
		assert.Equal(t, "*", out.Scope)
		assert.WithinDuration(t, time.Now().Add(5*time.Minute), out.Expires, time.Minute)
		assert.Equal(t, debugsample.Live, decide(t, []byte(tokenTestKey), out.Token, http.MethodDelete, "/anything"))
		assertNoKey(t, "stdout", stdout)
	})
}

// TestTokenTerminal: on a terminal, a hint on stderr; the token alone on
// stdout all the same.
func TestTokenTerminal(t *testing.T) {
	keyFile := writeKeyFile(t, tokenTestKey, 0o600)
	stdout, stderr, code := runInProcess(t, nil, true, "token", "--key-file", keyFile, "--scope", "POST /checkout")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 1, strings.Count(stdout, "\n"))
	assert.Equal(t, debugsample.Live, decide(t, []byte(tokenTestKey), strings.TrimSpace(stdout), http.MethodPost, "/checkout"))
	assert.Contains(t, stderr, `curl -H "X-Debug-Token: $(debugctl token --key-file `+keyFile+` --scope 'POST /checkout')" https://…`)
	assert.Contains(t, stderr, "Valid for 5m0s")
	assertNoKey(t, "stderr", stderr)
}

func TestTokenRefused(t *testing.T) {
	private := writeKeyFile(t, tokenTestKey, 0o600)
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no key", nil, []string{"token"}, exitUsage, "no key; pass --key-file PATH"},
		{"both keys", nil, []string{"token", "--key-file", private, "--key-env", "K"}, exitUsage, "not both"},
		{"key as an argument", nil, []string{"token", tokenTestKey}, exitUsage, "the key is never taken as an argument"},
		{"key variable not set", nil, []string{"token", "--key-env", "NOPE"}, exitUsage, "the variable NOPE is not set or empty"},
		{"missing key file", nil, []string{"token", "--key-file", filepath.Join(t.TempDir(), "nope.key")}, exitInput, "no such key file"},
		{"key file is a folder", nil, []string{"token", "--key-file", t.TempDir()}, exitInput, "not a regular file"},
		{"empty key file", nil, []string{"token", "--key-file", writeKeyFile(t, "\n", 0o600)}, exitInput, "is empty"},
		{"large key file", nil, []string{"token", "--key-file", writeKeyFile(t, strings.Repeat(tokenTestKey, 200), 0o600)}, exitInput, "not a key"},
		{"short key", map[string]string{"K": "short"}, []string{"token", "--key-env", "K"}, exitUsage, "token key shorter than MinKeyLen"},
		{"TTL over the maximum", nil, []string{"token", "--key-file", private, "--ttl", "1h"}, exitUsage, "token TTL not between one second and the maximum"},
		{"TTL not a duration", nil, []string{"token", "--key-file", private, "--ttl", "long"}, exitUsage, `invalid value "long" for flag -ttl`},
		{"bad scope", nil, []string{"token", "--key-file", private, "--scope", "GET"}, exitUsage, "scope"},
		{"bad encoding", nil, []string{"token", "--key-file", private, "--key-encoding", "rot13"}, exitUsage, `bad --key-encoding "rot13"`},
		{"not hex", nil, []string{"token", "--key-file", private, "--key-encoding", "hex"}, exitUsage, "the key is not hex"},
		{"not base64", nil, []string{"token", "--key-file", writeKeyFile(t, "not base64!", 0o600), "--key-encoding", "base64"}, exitUsage, "the key is not base64"},
		{"unknown flag", nil, []string{"token", "--key", tokenTestKey}, exitUsage, "flag provided but not defined: -key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runInProcess(t, tt.env, false, tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.want)
			if tt.name != "unknown flag" { // the flag package echoes what it refuses
				assertNoKey(t, "stderr", stderr)
			}
		})
	}
}

// TestTokenKeyFileMode: like ssh, a key file others may read is refused.
func TestTokenKeyFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		return // file modes do not say who may read a file there
	}
	for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o666} {
		keyFile := writeKeyFile(t, tokenTestKey, perm)
		stdout, stderr, code := debugctl(t, "token", "--key-file", keyFile)
		assert.Equal(t, exitInput, code, "%04o", perm)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, fmt.Sprintf("may be read or written by others (mode %04o)", perm))
		assert.Contains(t, stderr, "chmod 600 "+keyFile)
		assertNoKey(t, "stderr", stderr)
	}
	keyFile := writeKeyFile(t, tokenTestKey, 0o400)
	_, stderr, code := debugctl(t, "token", "--key-file", keyFile)
	assert.Equal(t, exitOK, code, "a read-only key file is private: %s", stderr)
}
