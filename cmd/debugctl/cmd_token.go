package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/reprokit/reprokit/debugsample"
)

// maxKeyFileBytes bounds a key file: a key is tens of bytes, and a larger
// file is not one.
const maxKeyFileBytes = 4 << 10

// tokenJSON is what `debugctl token --json` writes.
type tokenJSON struct {
	Token   string    `json:"token"`
	Header  string    `json:"header"`
	Scope   string    `json:"scope"`
	Expires time.Time `json:"expires"`
}

func runToken(_ context.Context, c *cli, args []string) int {
	fs := newFlags(c, "token", "--key-file PATH | --key-env VAR [flags]", `  curl -H "X-Debug-Token: $(debugctl token --key-file ~/.config/reprokit/debug.key)" https://checkout.example.com/cart
  debugctl token --key-env REPROKIT_DEBUG_KEY --ttl 10m --scope "POST /checkout"
  debugctl token --key-file debug.key --key-encoding hex --json

The token makes the requests that carry it in the X-Debug-Token header live
(debug logs written at once) on every service that holds the same key
(debugsample.WithTokenKeys), until it expires. It is printed alone on stdout.

The key is the bytes the services were given: the content of the key file
(mode 0600, as for ssh; one trailing newline is ignored) or of the variable,
decoded with --key-encoding when the services decode theirs. It is never taken
as an argument, where ps and shell history would show it.`)
	keyFile := fs.String("key-file", "", "read the key from this file, which only its owner may read (mode 0600)")
	keyEnv := fs.String("key-env", "", "read the key from this environment variable")
	encoding := fs.String("key-encoding", "raw", "how the key is written: raw (its bytes as they are), hex or base64")
	ttl := fs.Duration("ttl", 5*time.Minute, "how long the token is valid: at least 1s, at most the services' maximum (15m by default)")
	scope := fs.String("scope", "*", "the requests the token is valid for: * or a ServeMux pattern, such as \"POST /checkout\"")
	asJSON := fs.Bool("json", false, "write the token, its header, scope and expiry as one JSON object")
	if code := parse(c, fs, args); code >= 0 {
		return code
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintln(c.stderr, "debugctl token: unexpected argument; the key is never taken as an argument (ps and shell history would show it): pass --key-file PATH or --key-env VAR")
		return exitUsage
	case *keyFile != "" && *keyEnv != "":
		fmt.Fprintln(c.stderr, "debugctl token: pass --key-file or --key-env, not both")
		return exitUsage
	case *keyFile == "" && *keyEnv == "":
		fmt.Fprintln(c.stderr, "debugctl token: no key; pass --key-file PATH (a file of mode 0600) or --key-env VAR holding the services' token key")
		return exitUsage
	}
	var raw []byte
	if *keyFile != "" {
		var err error
		if raw, err = readKeyFile(*keyFile); err != nil {
			fmt.Fprintf(c.stderr, "debugctl token: %v\n", err)
			return exitInput
		}
	} else {
		v := c.getenv(*keyEnv)
		if v == "" {
			fmt.Fprintf(c.stderr, "debugctl token: --key-env: the variable %s is not set or empty\n", clean(*keyEnv))
			return exitUsage
		}
		raw = []byte(v)
	}
	key, err := decodeKey(raw, *encoding)
	clear(raw)
	if err != nil {
		fmt.Fprintf(c.stderr, "debugctl token: %v\n", err)
		return exitUsage
	}
	now := time.Now()
	token, err := debugsample.NewToken(key, *ttl, *scope, debugsample.WithClock(func() time.Time { return now }))
	clear(key)
	if err != nil {
		fmt.Fprintf(c.stderr, "debugctl token: %s\n", strings.TrimPrefix(errText(err), "debugsample: "))
		return exitUsage
	}
	expires := now.Add(*ttl)
	if *asJSON {
		writeSafeJSON(c.stdout, tokenJSON{token, debugsample.DefaultTokenHeader, *scope, expires}) // a token and a scope always encode
	} else {
		fmt.Fprintln(c.stdout, token)
	}
	if c.terminal {
		how := "--key-env " + shellWord(*keyEnv)
		if *keyFile != "" {
			how = "--key-file " + shellWord(*keyFile)
		}
		if *encoding != "raw" {
			how += " --key-encoding " + shellWord(*encoding)
		}
		if *scope != "*" {
			how += " --scope " + shellWord(*scope)
		}
		fmt.Fprintf(c.stderr, "\nValid for %s (until %s) on %s. Send it with:\n  curl -H \"%s: $(debugctl token %s)\" https://…\n",
			ttl, expires.Format("15:04:05"), clean(*scope), debugsample.DefaultTokenHeader, how)
	}
	return exitOK
}

// readKeyFile returns the content of the key file at path, without one
// trailing newline, refusing a file that others than its owner may read
// or write.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no such key file: %s", clean(path))
		}
		return nil, fmt.Errorf("cannot open the key file %s: %s", clean(path), pathErrText(err))
	}
	defer f.Close()
	st, err := f.Stat() // of the file opened, not of what the path names later
	if err != nil {
		return nil, fmt.Errorf("cannot read the key file %s: %s", clean(path), pathErrText(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("the key file %s is not a regular file", clean(path))
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("the key file %s may be read or written by others (mode %04o); a key must be private: chmod 600 %s", clean(path), perm, shellWord(path))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the key file %s: %s", clean(path), pathErrText(err))
	}
	if len(data) > maxKeyFileBytes {
		clear(data)
		return nil, fmt.Errorf("the key file %s is larger than %d bytes: not a key", clean(path), maxKeyFileBytes)
	}
	if bytes.HasSuffix(data, []byte("\r\n")) {
		data = data[:len(data)-2]
	} else if bytes.HasSuffix(data, []byte("\n")) {
		data = data[:len(data)-1]
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("the key file %s is empty", clean(path))
	}
	return data, nil
}

// pathErrText is the operating system's words of an *fs.PathError,
// without the path, which the message names already.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return errText(pe.Err)
	}
	return errText(err)
}

// decodeKey decodes a key written in encoding. Its errors never show the
// key, nor a byte of it.
func decodeKey(raw []byte, encoding string) ([]byte, error) {
	switch encoding {
	case "raw":
		return bytes.Clone(raw), nil
	case "hex":
		key := make([]byte, hex.DecodedLen(len(bytes.TrimSpace(raw))))
		if _, err := hex.Decode(key, bytes.TrimSpace(raw)); err != nil {
			return nil, errors.New("the key is not hex (--key-encoding hex)")
		}
		return key, nil
	case "base64":
		s := string(bytes.TrimSpace(raw))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if key, err := enc.DecodeString(s); err == nil {
				return key, nil
			}
		}
		return nil, errors.New("the key is not base64 (--key-encoding base64)")
	}
	return nil, fmt.Errorf("bad --key-encoding %q: want raw, hex or base64", clean(encoding))
}

// shellWord quotes s for a POSIX shell when it holds more than letters,
// digits and -_./:=@+ ~.
func shellWord(s string) string {
	s = clean(s)
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+~") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
