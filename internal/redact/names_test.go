package redact

import (
	"slices"
	"testing"
)

func TestWords(t *testing.T) {
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"X-Api-Key", []string{"x", "api", "key"}},
		{"apiKey", []string{"api", "key"}},
		{"APIKey", []string{"api", "key"}},
		{"AWSAccessKeyId", []string{"aws", "access", "key", "id"}},
		{"X-Hub-Signature-256", []string{"x", "hub", "signature", "256"}},
		{"sha256sum", []string{"sha", "256", "sum"}},
		{"apikey", []string{"api", "key"}},
		{"accesstoken", []string{"access", "token"}},
		{"csrfmiddlewaretoken", []string{"csrf", "middleware", "token"}},
		{"keyboard", []string{"keyboard"}},
		{"monkey", []string{"monkey"}},
		{"author", []string{"author"}},
		{"user.password", []string{"user", "password"}},
		{"", nil},
		{"--", nil},
		{"é_token", []string{"token"}},
	} {
		if got := Words(tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := Normalize("API-Key"); got != "api_key" || Normalize("apiKey") != got || Normalize("apikey") != got {
		t.Errorf("Normalize: %q %q %q", got, Normalize("apiKey"), Normalize("apikey"))
	}
}

// TestSensitiveNameNearMisses is the table of the name rule both ways:
// names that must be caught, and near misses that must not.
func TestSensitiveNameNearMisses(t *testing.T) {
	sensitive := []string{
		// The well-known headers.
		"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key",
		// Every default fragment, alone and in context.
		"auth", "X-Auth", "token", "X-Auth-Token", "secret", "client_secret", "session",
		"sessionId", "password", "new_password", "passwd", "db_passwd", "pwd", "MYSQL_PWD",
		"key", "api_key", "private_key", "jwt", "jwtToken", "bearer", "bearer_token",
		"csrf", "X-CSRF-Token", "xsrf", "X-XSRF-TOKEN", "credential", "credentials",
		"signature", "X-Hub-Signature-256", "Stripe-Signature",
		// Compounds without separators.
		"apikey", "apiKey", "APIKEY", "accesstoken", "AccessToken", "refreshToken",
		"secretkey", "privatekey", "sessionid", "authtoken", "clientsecret",
		"csrfmiddlewaretoken", "csrftoken", "passwordhash", "keyId",
		// OAuth 2.0 and OIDC parameters, wherever they appear.
		"code", "access_token", "refresh_token", "id_token", "client_secret",
		"code_verifier", "assertion", "client_assertion", "password", "device_code",
		"user_code", "subject_token", "actor_token", "oauth_token", "oauth_token_secret",
		"oauth_signature", "SAMLResponse",
		// Cloud and platform names.
		"AWSAccessKeyId", "X-Amz-Security-Token", "X-Amz-Signature", "X-Goog-Api-Key",
		"X-Goog-Signature", "sig", "AccountKey", "SharedAccessKey", "Private-Token",
		"X-Vault-Token", "Ocp-Apim-Subscription-Key", "x-functions-key",
		"aws_secret_access_key", "GITHUB_TOKEN", "authenticity_token",
		"__RequestVerificationToken", "PHPSESSID", "JSESSIONID", "connect.sid",
		"ASP.NET_SessionId", "cvv", "card_number", "passphrase", "otp",
	}
	notSensitive := []string{
		// Properties of a secret, not the secret.
		"token_uri", "token_type", "token_endpoint", "session_state", "session_timeout",
		"password_policy", "auth_time", "auth_method", "auth_provider_x509_cert_url",
		"client_secret_expires_at", "refresh_token_expires_in", "oauth_signature_method",
		"signature_version", "key_name", "secret_name", "expires_in", "id_token_hint",
		// Keys that are no secret.
		"primary_key", "foreign_key", "sort_key", "partition_key", "idempotency_key",
		"Idempotency-Key", "cache_key", "public_key", "next_page_token", "nextPageToken",
		"NextToken", "pageToken",
		// Words that contain a fragment.
		"keyboard", "monkey", "donkey", "turkey", "hockey", "keynote", "keyword", "author",
		"authors", "authority", ":authority", "tokenizer", "secretary", "passport",
		"passenger", "compass", "bypass", "sessions_count_total_x", "keystroke",
		"Keep-Alive", "hotkey",
		// Ordinary names.
		"Content-Type", "User-Agent", "X-Request-ID", "Accept", "zip_code", "country_code",
		"status_code", "codec", "error_code", "name", "email", "id", "created_at", "",
	}
	for _, n := range sensitive {
		if !SensitiveName(n) {
			t.Errorf("SensitiveName(%q) = false, want true (words %q)", n, Words(n))
		}
	}
	for _, n := range notSensitive {
		if SensitiveName(n) {
			t.Errorf("SensitiveName(%q) = true, want false (words %q)", n, Words(n))
		}
	}
}

func TestConfigNames(t *testing.T) {
	e := New(Config{
		Names:     []string{"X-Tenant-Secretish", "ssn"},
		Fragments: []string{"pin"},
		Keep:      []string{"code", "Cookie"},
	})
	for name, want := range map[string]Decision{
		"x_tenant_secretish": Sensitive, // whole name, any spelling
		"ssn":                Sensitive,
		"user_ssn":           Inspect, // Names are whole names
		"pin":                Sensitive,
		"card_pin":           Sensitive, // Fragments are words
		"pinned":             Inspect,
		"code":               Inspect, // kept
		"Cookie":             Inspect,
		"password":           Sensitive,
	} {
		if got := e.Name(name); got != want {
			t.Errorf("Name(%q) = %v, want %v", name, got, want)
		}
	}
	a := New(Config{AllowList: true, Allow: []string{"Content-Type", "user_id", "password"}, Keep: []string{"password"}})
	for name, want := range map[string]Decision{
		"content-type": Inspect,
		"userId":       Inspect,
		"email":        NotAllowed,
		"token":        NotAllowed,
		"password":     Inspect, // allowed and kept
	} {
		if got := a.Name(name); got != want {
			t.Errorf("allow-list Name(%q) = %v, want %v", name, got, want)
		}
	}
	b := New(Config{AllowList: true, Allow: []string{"api_key"}})
	if got := b.Name("api_key"); got != Sensitive {
		t.Errorf("allowed but sensitive: %v, want Sensitive", got)
	}
}

func TestNameCacheBounded(t *testing.T) {
	e := New(Config{})
	for i := range maxCached + 100 {
		e.Name("field_" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)))
	}
	if n := len(*e.cache.m.Load()); n > maxCached {
		t.Errorf("cache holds %d names, more than %d", n, maxCached)
	}
	if e.Name("password") != Sensitive || e.Name("field_aaa") != Inspect {
		t.Error("a full cache changed a decision")
	}
	key := []byte("field_aaa")
	if n := testing.AllocsPerRun(100, func() { e.Key(key) }); n != 0 {
		t.Errorf("a cached Key allocates %v times", n)
	}
}
