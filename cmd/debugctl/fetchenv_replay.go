package main

// This file fetches, for replay's --target-env, the environment snapshot
// a running service serves with capture.EnvHandler.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// envFetchTimeout bounds the whole fetch of a snapshot.
const envFetchTimeout = 10 * time.Second

// errEnvRefused is the error of an environment endpoint that answered
// 401 or 403; errEnvUnreachable of one that did not answer or answered
// another status than 200; errEnvUnreadable of an answer that is not a
// snapshot.
var (
	errEnvRefused     = errors.New("the service refused to serve its environment")
	errEnvUnreachable = errors.New("could not get the service's environment")
	errEnvUnreadable  = errors.New("the service's answer is not an environment snapshot")
)

// envURL returns the URL of the environment endpoint: path when it is
// an absolute http(s) URL, else path resolved against the target's base
// URL ("/debug/env" on "http://127.0.0.1:8080/api" is
// "http://127.0.0.1:8080/debug/env").
func envURL(target, path string) (string, error) {
	base, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(path)
	if err != nil || ref.Scheme != "" && ref.Scheme != "http" && ref.Scheme != "https" || ref.User != nil {
		return "", fmt.Errorf("--target-env %q is neither a path (/debug/env) nor an http(s) URL", clean(path))
	}
	if ref.Scheme == "" && !strings.HasPrefix(path, "/") {
		ref.Path = "/" + ref.Path
	}
	return base.ResolveReference(ref).String(), nil
}

// fetchEnv gets the snapshot served at u with client (capture.FetchEnv),
// sending header. The error wraps errEnvRefused, errEnvUnreachable or
// errEnvUnreadable, and never holds the body or the header's values.
func fetchEnv(ctx context.Context, client *http.Client, u string, header http.Header) (*capture.Env, error) {
	ctx, cancel := context.WithTimeout(ctx, envFetchTimeout)
	defer cancel()
	env, err := capture.FetchEnv(ctx, client, u, header)
	if err == nil {
		return env, nil
	}
	var se *capture.EnvStatusError
	switch {
	case errors.Is(err, capture.ErrUnauthorized) && errors.As(err, &se):
		return nil, fmt.Errorf("%w: it answered %d %s", errEnvRefused, se.StatusCode, http.StatusText(se.StatusCode))
	case errors.Is(err, capture.ErrNoEnv), errors.Is(err, capture.ErrSchema), errors.Is(err, capture.ErrEnvTooLarge):
		return nil, fmt.Errorf("%w: %s", errEnvUnreadable, errText(err))
	}
	return nil, fmt.Errorf("%w: %s", errEnvUnreachable, errText(err))
}
