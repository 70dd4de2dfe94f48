package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/reprokit/reprokit/internal/safetext"
)

// MaxEnvBytes is the largest environment snapshot that [FetchEnv] and
// [ReadEnv] read: 4 MiB, far more than the snapshot of a service with
// hundreds of dependencies and variables.
const MaxEnvBytes = 4 << 20

// fetchTimeout is the time limit of the client FetchEnv makes when it is
// given none.
const fetchTimeout = 30 * time.Second

// maxRedirects is how many redirects, within one host, FetchEnv follows
// with a client that has no CheckRedirect of its own.
const maxRedirects = 10

var (
	// ErrUnauthorized is the error of [FetchEnv] when the service answers
	// 401 Unauthorized or 403 Forbidden: the request lacked the
	// credentials that EnvHandler's authorize function asks for. It is
	// matched by errors.Is on an *[EnvStatusError].
	ErrUnauthorized = errors.New("capture: the service refused the request (401 or 403)")
	// ErrNoEnv is the error of an answer or a file that is not an
	// environment snapshot, or of a capture file that holds none.
	ErrNoEnv = errors.New("capture: no environment snapshot")
	// ErrEnvURL is the error of [FetchEnv] for a URL that is not http or
	// https with a host, or that holds user information: credentials go
	// in a header, never in a URL, which is printed and logged.
	ErrEnvURL = errors.New("capture: not an http or https URL with a host and without user information")
	// ErrEnvRedirect is the error of [FetchEnv] when the service
	// redirects to another host, or from https to http: the request's
	// credentials must not follow.
	ErrEnvRedirect = errors.New("capture: redirect to another host or to plain http refused")
	// ErrEnvTooLarge is the error of an answer or a snapshot file larger
	// than MaxEnvBytes.
	ErrEnvTooLarge = errors.New("capture: environment snapshot larger than MaxEnvBytes")
)

// EnvStatusError is the error of [FetchEnv] when the service answers with
// a status other than 200 OK. errors.Is(err, ErrUnauthorized) reports
// whether the status is 401 or 403.
type EnvStatusError struct {
	// URL is the URL that was asked, without its query.
	URL string
	// StatusCode is the status of the answer.
	StatusCode int
}

func (e *EnvStatusError) Error() string {
	return fmt.Sprintf("capture: GET %s: the service answered %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// Is reports whether target is ErrUnauthorized and the status is 401 or
// 403.
func (e *EnvStatusError) Is(target error) bool {
	return target == ErrUnauthorized &&
		(e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// FetchEnv asks a running service for its environment snapshot, at the
// URL where it serves [EnvHandler], so that it can be compared with
// another one ([DiffEnv]). header is sent with the request; it carries the
// credentials the service's authorize function checks, such as
// "Authorization: Bearer …", and may be nil.
//
// The request is a GET sent with client: its Transport, Timeout and Jar
// apply. A nil client is one of its own, which times out after 30 seconds
// and keeps no idle connection. Either way, a redirect is followed only
// within the URL's host and never from https to plain http, so that the
// credentials in header stay with the service they were meant for; the
// client's own CheckRedirect, if any, is asked next.
//
// FetchEnv returns an error wrapping [ErrEnvURL] for a rawURL that is not
// http or https with a host, or that holds user information; an
// *[EnvStatusError] for an answer other than 200 OK, which matches
// [ErrUnauthorized] for 401 and 403; [ErrEnvRedirect] for a redirect it
// refused; [ErrEnvTooLarge] for an answer larger than [MaxEnvBytes];
// [ErrSchema] or [ErrNoEnv] for an answer that is not a snapshot of this
// version; and otherwise the client's error (the service is unreachable,
// ctx is done). The text of an error names the URL without its query,
// never the values of header, and holds the service's words only cleaned
// and cut.
func FetchEnv(ctx context.Context, client *http.Client, rawURL string, header http.Header) (*Env, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil {
		return nil, ErrEnvURL
	}
	shown := shownURL(u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("capture: GET %s: %w", shown, cleanError{err})
	}
	for name, values := range header {
		req.Header[name] = append([]string(nil), values...)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := fetchClient(client, u).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query included
		}
		return nil, fmt.Errorf("capture: GET %s: %w", shown, cleanError{err})
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so that the connection may be reused
		return nil, &EnvStatusError{URL: shown, StatusCode: resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxEnvBytes+1))
	if err != nil {
		return nil, fmt.Errorf("capture: GET %s: reading the answer: %w", shown, cleanError{err})
	}
	if len(data) > MaxEnvBytes {
		return nil, fmt.Errorf("capture: GET %s: %w", shown, ErrEnvTooLarge)
	}
	env, err := parseEnvSnapshot(data)
	if err != nil {
		ct := resp.Header.Get("Content-Type")
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && ct != "" {
			return nil, fmt.Errorf("capture: GET %s: the answer (Content-Type %q): %w", shown, safetext.Clean(ct, 64), err)
		}
		return nil, fmt.Errorf("capture: GET %s: the answer: %w", shown, err)
	}
	return env, nil
}

// fetchClient returns a copy of client, or a client of its own when it is
// nil, that follows redirects only within the host of u, and from https
// only to https.
func fetchClient(client *http.Client, u *url.URL) *http.Client {
	var c http.Client
	if client != nil {
		c = *client
	} else {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableKeepAlives = true
		c = http.Client{Transport: t, Timeout: fetchTimeout}
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !strings.EqualFold(req.URL.Host, u.Host) || u.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: to %s", ErrEnvRedirect, safetext.Clean(req.URL.Scheme+"://"+req.URL.Host, 256))
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("capture: stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &c
}

// shownURL is u as errors show it: without its query and fragment, which
// may hold credentials, cleaned and cut.
func shownURL(u *url.URL) string {
	v := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return safetext.Clean(v.String(), 256)
}

// ReadEnv reads an environment snapshot from the file at path, which is
// either a snapshot file or a capture file:
//
//   - a snapshot file holds one snapshot as JSON, of at most
//     [MaxEnvBytes]: on one line as [AppendEnv] writes it and
//     [EnvHandler] serves it, or indented (as `debugctl env dump` prints
//     it on a terminal), or the JSON of an Env as [TakeEnv] returns it;
//   - from a capture file, ReadEnv returns the snapshot of its last record
//     that names one the file holds, which is the environment the file's
//     latest records were taken in; without such a record, the snapshot
//     of the file that was taken last (Env.Taken).
//
// A truncated last line of a capture file (a file being written) is
// ignored. ReadEnv returns the error of opening the file (an
// *fs.PathError), a *[LineError] naming the file for any other bad line,
// an error wrapping [ErrSchema] for a snapshot of another version, and one
// wrapping [ErrNoEnv] for a file that holds no snapshot.
func ReadEnv(path string) (*Env, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, MaxEnvBytes+1))
	if err != nil {
		return nil, err
	}
	if trimmed := bytes.TrimSpace(head); len(head) <= MaxEnvBytes && json.Valid(trimmed) {
		env, err := parseEnvSnapshot(trimmed)
		if err == nil {
			return env, nil
		}
		if errors.Is(err, ErrSchema) {
			return nil, fmt.Errorf("%w (%s)", err, path)
		}
		// A capture file of one record: read as one.
	}
	d := NewDecoder(io.MultiReader(bytes.NewReader(head), f))
	var last *Env
	for {
		rec, err := d.Next()
		if err == io.EOF || errors.Is(err, ErrTruncatedLine) {
			break
		}
		if err != nil {
			var le *LineError
			if errors.As(err, &le) {
				le.File = path
				return nil, le
			}
			return nil, fmt.Errorf("%w (%s)", err, path)
		}
		if rec.Env != nil {
			last = rec.Env
		}
	}
	if last != nil {
		return last, nil
	}
	for _, e := range d.Envs() {
		if last == nil || e.Taken.After(last.Taken) || e.Taken.Equal(last.Taken) && e.ID > last.ID {
			last = e
		}
	}
	if last == nil {
		return nil, fmt.Errorf("%w (%s)", ErrNoEnv, path)
	}
	return last, nil
}

// parseEnvSnapshot parses data as one snapshot: a JSON object of
// [Schema] and [KindEnv], or the JSON of an Env as TakeEnv returns it
// (without Schema and Kind, with an ID).
func parseEnvSnapshot(data []byte) (*Env, error) {
	var head struct {
		Schema string `json:"schema"`
		Kind   string `json:"kind"`
		ID     string `json:"id"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: not JSON of one: %w", ErrNoEnv, jsonError{err})
	}
	switch {
	case head.Schema == "" && head.Kind == "" && head.ID != "":
		// The JSON of an Env as TakeEnv returns it.
	case head.Schema == "":
		return nil, fmt.Errorf("%w: no schema field", ErrNoEnv)
	case head.Schema != Schema:
		return nil, fmt.Errorf("%w %q (this version reads %q)", ErrSchema, safetext.Clean(head.Schema, 64), Schema)
	case head.Kind != KindEnv:
		return nil, fmt.Errorf("%w: a line of kind %q", ErrNoEnv, safetext.Clean(head.Kind, 64))
	}
	env := new(Env)
	if err := json.Unmarshal(data, env); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoEnv, jsonError{err})
	}
	return env, nil
}

// maxErrorWords bounds the text of an error that may hold the words of a
// service or a network.
const maxErrorWords = 256

// cleanError is an error whose text may hold what a service sent (a
// malformed status line, a TLS alert): its text cleaned of control
// characters and cut.
type cleanError struct{ err error }

func (e cleanError) Error() string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return '?'
		}
		return r
	}, safetext.Clean(e.err.Error(), maxErrorWords))
}

// Unwrap returns the error.
func (e cleanError) Unwrap() error { return e.err }
