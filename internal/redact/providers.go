package redact

// rules are the value patterns that start with a literal prefix: tokens
// of well-known providers, JSON Web Tokens, private keys, authorization
// credentials and webhook URLs. Each is written from the provider's
// documented format (the public gitleaks rule set served as a census of
// which providers to cover). A rule whose prefix is distinctive matches
// inside a word too ("xghp_…" is masked whole); one whose prefix could
// begin an ordinary word ("sk-", "SK", "key-") must start a word, and
// some also require the characters after it to look random (mixed).
var rules = []rule{
	// Structure.
	{prefix: "eyJ", kind: kJWT},
	{prefix: "-----BEGIN ", kind: kPEM},
	{prefix: "bearer", kind: kBearer, fold: true, word: true},
	{prefix: "basic", kind: kBasic, fold: true, word: true},

	// Webhook URLs carry their secret in the path.
	{prefix: "hooks.slack.com/services/", kind: kWebhook, fold: true},
	{prefix: "hooks.slack.com/workflows/", kind: kWebhook, fold: true},
	{prefix: "hooks.slack.com/triggers/", kind: kWebhook, fold: true},
	{prefix: "discord.com/api/webhooks/", kind: kWebhook, fold: true},
	{prefix: "discordapp.com/api/webhooks/", kind: kWebhook, fold: true},
	{prefix: "webhook.office.com/", kind: kWebhook, fold: true},
	{prefix: "hooks.zapier.com/hooks/catch/", kind: kWebhook, fold: true},
	{prefix: "maker.ifttt.com/trigger/", kind: kWebhook, fold: true},

	// Cloud.
	{prefix: "AKIA", chars: cUpDig, min: 16}, // AWS access key ID
	{prefix: "ASIA", chars: cUpDig, min: 16}, // AWS temporary access key ID
	{prefix: "ABIA", chars: cUpDig, min: 16},
	{prefix: "ACCA", chars: cUpDig, min: 16},
	{prefix: "A3T", chars: cUpDig, min: 17},
	{prefix: "AIza", chars: cB64URL, min: 35},    // Google API key
	{prefix: "GOCSPX-", chars: cB64URL, min: 20}, // Google OAuth client secret
	{prefix: "ya29.", chars: cB64URL, min: 20},   // Google OAuth access token
	{prefix: "dop_v1_", chars: cHex, min: 64},    // DigitalOcean
	{prefix: "doo_v1_", chars: cHex, min: 64},
	{prefix: "dor_v1_", chars: cHex, min: 64},
	{prefix: "hvs.", chars: cB64URL, min: 24, word: true}, // HashiCorp Vault
	{prefix: "hvb.", chars: cB64URL, min: 24, word: true},
	{prefix: "dp.pt.", chars: cAlnum, min: 40}, // Doppler
	{prefix: "dp.st.", chars: cAlnum, min: 40},
	{prefix: "dp.ct.", chars: cAlnum, min: 40},
	{prefix: "dapi", chars: cHex, min: 32, word: true},     // Databricks
	{prefix: "sbp_", chars: cHex, min: 40, word: true},     // Supabase
	{prefix: "pul-", chars: cHex, min: 40, word: true},     // Pulumi
	{prefix: "HRKU-", chars: cB64URL, min: 30, word: true}, // Heroku
	{prefix: "pscale_tkn_", chars: cB64URL, min: 32},       // PlanetScale
	{prefix: "pscale_pw_", chars: cB64URL, min: 32},
	{prefix: "pscale_oauth_", chars: cB64URL, min: 32},
	{prefix: "AGE-SECRET-KEY-1", chars: cUpDig, min: 50}, // age
	{prefix: "NRAK-", chars: cUpDig, min: 27},            // New Relic
	{prefix: "ops_eyJ", chars: cB64URL | cEq, min: 100},  // 1Password service account

	// Source hosting and CI.
	{prefix: "ghp_", chars: cAlnum, min: 30}, // GitHub
	{prefix: "gho_", chars: cAlnum, min: 30},
	{prefix: "ghu_", chars: cAlnum, min: 30},
	{prefix: "ghs_", chars: cAlnum, min: 30},
	{prefix: "ghr_", chars: cAlnum, min: 30},
	{prefix: "github_pat_", chars: cAlnum | cUnder, min: 22},
	{prefix: "glpat-", chars: cB64URL, min: 20}, // GitLab
	{prefix: "gldt-", chars: cB64URL, min: 20},
	{prefix: "glrt-", chars: cB64URL, min: 20},
	{prefix: "glptt-", chars: cB64URL, min: 20},
	{prefix: "glft-", chars: cB64URL, min: 20},
	{prefix: "glsoat-", chars: cB64URL, min: 20},
	{prefix: "glcbt-", chars: cB64URL, min: 20},
	{prefix: "glimt-", chars: cB64URL, min: 20},
	{prefix: "gloas-", chars: cB64URL, min: 20},
	{prefix: "glagent-", chars: cB64URL, min: 20},
	{prefix: "glc_", chars: cB64URL | cEq, min: 32}, // Grafana
	{prefix: "glsa_", chars: cAlnum | cUnder, min: 32},
	{prefix: "ATBB", chars: cAlnum, min: 28, word: true},                // Bitbucket
	{prefix: "ATATT3", chars: cB64URL | cEq, min: 50},                   // Atlassian
	{prefix: "bkua_", chars: cHex, min: 40},                             // Buildkite
	{prefix: "dckr_pat_", chars: cB64URL, min: 20},                      // Docker Hub
	{prefix: "sntrys_", chars: cB64URL | cEq | cPlus | cSlash, min: 50}, // Sentry
	{prefix: "sntryu_", chars: cHex, min: 64},
	{prefix: "AKCp", chars: cAlnum, min: 60, word: true}, // JFrog
	{prefix: "PMAK-", chars: cHex | cDash, min: 50},      // Postman

	// Package registries.
	{prefix: "npm_", chars: cAlnum, min: 36},
	{prefix: "pypi-AgE", chars: cB64URL, min: 50},
	{prefix: "rubygems_", chars: cHex, min: 48},
	{prefix: "CLOJARS_", chars: cHex, min: 60},

	// Chat.
	{prefix: "xoxb-", chars: cB64URL, min: 10}, // Slack
	{prefix: "xoxp-", chars: cB64URL, min: 10},
	{prefix: "xoxa-", chars: cB64URL, min: 10},
	{prefix: "xoxr-", chars: cB64URL, min: 10},
	{prefix: "xoxs-", chars: cB64URL, min: 10},
	{prefix: "xoxe-", chars: cB64URL, min: 10},
	{prefix: "xoxe.xox", chars: cB64URL, min: 10},
	{prefix: "xapp-", chars: cB64URL, min: 10},
	{prefix: "SG.", chars: cB64URL | cDot, min: 60, word: true}, // SendGrid
	{prefix: "SK", chars: cHex, min: 32, word: true},            // Twilio API key
	{prefix: "key-", chars: cHex, min: 32, word: true},          // Mailgun
	{prefix: "lin_api_", chars: cAlnum, min: 40},                // Linear
	{prefix: "ntn_", chars: cAlnum, min: 40, word: true},        // Notion
	{prefix: "secret_", chars: cAlnum, min: 43, word: true, mixed: true},

	// Payments and shops.
	{prefix: "sk_live_", chars: cAlnum, min: 10}, // Stripe
	{prefix: "sk_test_", chars: cAlnum, min: 10},
	{prefix: "rk_live_", chars: cAlnum, min: 10},
	{prefix: "rk_test_", chars: cAlnum, min: 10},
	{prefix: "pk_live_", chars: cAlnum, min: 10},
	{prefix: "pk_test_", chars: cAlnum, min: 10},
	{prefix: "whsec_", chars: cAlnum, min: 20},
	{prefix: "sq0atp-", chars: cB64URL, min: 22}, // Square
	{prefix: "sq0csp-", chars: cB64URL, min: 40},
	{prefix: "EAAA", chars: cB64URL, min: 60, word: true},
	{prefix: "EAA", chars: cAlnum, min: 90, word: true, mixed: true}, // Meta
	{prefix: "shpat_", chars: cHex, min: 32},                         // Shopify
	{prefix: "shpca_", chars: cHex, min: 32},
	{prefix: "shppa_", chars: cHex, min: 32},
	{prefix: "shpss_", chars: cHex, min: 32},
	{prefix: "access_token$production$", chars: cAlnum | cUnder | cHex, min: 20}, // Braintree

	// AI APIs.
	{prefix: "sk-ant-", chars: cB64URL, min: 20},  // Anthropic
	{prefix: "sk-proj-", chars: cB64URL, min: 20}, // OpenAI
	{prefix: "sk-svcacct-", chars: cB64URL, min: 20},
	{prefix: "sk-admin-", chars: cB64URL, min: 20},
	{prefix: "sk-", chars: cB64URL, min: 20, word: true, mixed: true},
	{prefix: "hf_", chars: cAlpha, min: 30, word: true, mixed: true}, // Hugging Face
	{prefix: "gsk_", chars: cAlnum, min: 50, word: true},             // Groq
	{prefix: "r8_", chars: cAlnum, min: 37, word: true},              // Replicate
	{prefix: "pplx-", chars: cAlnum, min: 40, word: true},            // Perplexity
	{prefix: "xai-", chars: cAlnum, min: 70, word: true},             // xAI

	// Others.
	{prefix: "sl.", chars: cB64URL | cDot, min: 100, word: true}, // Dropbox
	{prefix: "fo1_", chars: cB64URL, min: 40, word: true},        // Fly.io
	{prefix: "rnd_", chars: cAlnum, min: 30, word: true},         // Render
	{prefix: "nfp_", chars: cAlnum, min: 36, word: true},         // Netlify
}
