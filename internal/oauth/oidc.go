package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kprod-go/kprod/producer/sasl"
)

const (
	// maxTokenResponse bounds what FetchOIDC reads of an answer.
	maxTokenResponse = 1 << 20
	// maxErrorBody bounds each OAuth error field an error quotes.
	maxErrorBody = 200
)

// OIDCConfig is librdkafka's sasl.oauthbearer.method=oidc configuration
// for the client credentials grant.
type OIDCConfig struct {
	ClientID         string // sasl.oauthbearer.client.id
	ClientSecret     string // sasl.oauthbearer.client.secret
	TokenEndpointURL string // sasl.oauthbearer.token.endpoint.url
	Scope            string // sasl.oauthbearer.scope; optional
	// Extensions are sent with the token (sasl.oauthbearer.extensions,
	// parsed by ParseExtensions).
	Extensions map[string]string
	// HTTPClient makes the request; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// String hides the client secret.
func (c OIDCConfig) String() string {
	return fmt.Sprintf("{ClientID:%s ClientSecret:[redacted] TokenEndpointURL:%s Scope:%s Extensions:%d}",
		c.ClientID, c.TokenEndpointURL, c.Scope, len(c.Extensions))
}

// GoString hides the client secret from %#v too.
func (c OIDCConfig) GoString() string { return c.String() }

// StatusError is a token endpoint's answer with a status other than 2xx.
// It keeps only the OAuth error fields of the answer (RFC 6749 5.2), not
// the answer itself, which a proxy or a misconfigured endpoint may have
// filled with the request, client secret included.
type StatusError struct {
	URL         string // the token endpoint, its password (if any) redacted
	StatusCode  int
	Status      string // e.g. "503 Service Unavailable"
	OAuthError  string // the answer's "error", at most 200 bytes; "" if none
	Description string // the answer's "error_description", at most 200 bytes
}

// Error names the property, the endpoint, the status and the OAuth error.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("sasl.oauthbearer.token.endpoint.url: %s answered %s", e.URL, e.Status)
	if e.OAuthError != "" {
		msg += ": " + e.OAuthError
		if e.Description != "" {
			msg += " (" + e.Description + ")"
		}
	}
	return msg
}

// statusError builds the StatusError of a non-2xx answer with body raw.
func statusError(u *url.URL, resp *http.Response, raw []byte) *StatusError {
	var answer struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(raw, &answer) // not JSON: no OAuth error to tell
	return &StatusError{
		URL: u.Redacted(), StatusCode: resp.StatusCode, Status: resp.Status,
		OAuthError: truncate(answer.Error, maxErrorBody), Description: truncate(answer.Description, maxErrorBody),
	}
}

// Temporary reports whether the status is one librdkafka retries the
// request after (rdhttp.c: 408, 425, 429, 500, 502, 503, 504).
func (e *StatusError) Temporary() bool {
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// FetchOIDC gets a token from c.TokenEndpointURL with the OAuth 2.0 client
// credentials grant, as librdkafka's sasl.oauthbearer.method=oidc does
// (rdkafka_sasl_oauthbearer_oidc.c): a POST of
// grant_type=client_credentials[&scope=<scope>], form-encoded, with the
// client id and secret as HTTP Basic credentials (not form-encoded first,
// as librdkafka sends them) and Accept: application/json. The answer must
// be JSON with an access_token, a JWT whose payload has "exp" (the
// expiration, required) and "sub" (the principal, required and non-empty);
// the signature is not checked, the broker checks the token.
//
// One request, no retries: ctx bounds it, and the caller decides when to
// try again (a *StatusError says whether librdkafka would). The caller also
// checks that the token has not already expired.
func FetchOIDC(ctx context.Context, c OIDCConfig) (Token, error) {
	switch {
	case c.TokenEndpointURL == "":
		return Token{}, errors.New("sasl.oauthbearer.token.endpoint.url is not set")
	case c.ClientID == "":
		return Token{}, errors.New("sasl.oauthbearer.client.id is not set")
	case c.ClientSecret == "":
		return Token{}, errors.New("sasl.oauthbearer.client.secret is not set")
	}
	u, err := url.Parse(c.TokenEndpointURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Token{}, errors.New("sasl.oauthbearer.token.endpoint.url: not an http or https URL")
	}
	for k, v := range c.Extensions {
		if err := sasl.CheckExtension(k, v); err != nil {
			return Token{}, fmt.Errorf("sasl.oauthbearer.extensions: %w", err)
		}
	}

	// librdkafka puts the scope in as it is; escaping it is what the form
	// encoding asks, and the same to any server for a plain scope.
	body := "grant_type=client_credentials"
	if c.Scope != "" {
		body += "&scope=" + url.QueryEscape(c.Scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return Token{}, fmt.Errorf("sasl.oauthbearer.token.endpoint.url: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ClientID, c.ClientSecret)

	client := c.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error: the method, the URL without its password, the cause
		// (context.DeadlineExceeded, say, for errors.Is).
		return Token{}, fmt.Errorf("sasl.oauthbearer.token.endpoint.url: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse+1))
	if err != nil {
		return Token{}, fmt.Errorf("sasl.oauthbearer.token.endpoint.url: reading the answer from %s: %w", u.Redacted(), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Token{}, statusError(u, resp, raw)
	}
	if len(raw) > maxTokenResponse {
		return Token{}, fmt.Errorf("sasl.oauthbearer.token.endpoint.url: the answer from %s is larger than %d bytes", u.Redacted(), maxTokenResponse)
	}
	// librdkafka's rd_http_post_expect_json refuses any other type.
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return Token{}, fmt.Errorf("sasl.oauthbearer.token.endpoint.url: the answer from %s is not JSON (Content-Type %q)", u.Redacted(), ct)
	}
	t, err := tokenFromResponse(raw)
	if err != nil {
		return Token{}, fmt.Errorf("sasl.oauthbearer.token.endpoint.url: the answer from %s: %w", u.Redacted(), err)
	}
	t.Extensions = maps.Clone(c.Extensions)
	return t, nil
}

// tokenFromResponse reads the access token from a token endpoint's JSON
// answer. Errors never quote the answer: it may hold the token.
func tokenFromResponse(raw []byte) (Token, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Token{}, errors.New("not a JSON object")
	}
	at, ok := fields["access_token"]
	if !ok {
		return Token{}, errors.New(`no "access_token" field`)
	}
	var value string
	if err := json.Unmarshal(at, &value); err != nil {
		return Token{}, errors.New(`"access_token" is not a string`)
	}
	if value == "" {
		return Token{}, errors.New(`"access_token" is empty`)
	}
	claims, err := jwtClaims(value)
	if err != nil {
		return Token{}, fmt.Errorf("access_token: %w", err)
	}
	exp, err := expClaim(claims)
	if err != nil {
		return Token{}, fmt.Errorf("access_token: %w", err)
	}
	var sub string
	if rawSub, ok := claims["sub"]; !ok {
		return Token{}, errors.New(`access_token: the JWT has no "sub" claim`)
	} else if err := json.Unmarshal(rawSub, &sub); err != nil || sub == "" {
		return Token{}, errors.New(`access_token: the JWT's "sub" claim is not a non-empty string`)
	}
	return Token{Value: value, Expiration: exp, Principal: sub}, nil
}

// jwtClaims decodes a JWT's payload, the claims, without checking its
// signature: the broker checks the token, the client only reads when it
// expires and whom it names. Errors never show the token.
func jwtClaims(jwt string) (map[string]json.RawMessage, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("the token is not a JWT: it has %d dot-separated parts, want 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, errors.New("the JWT payload is not base64url")
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, errors.New("the JWT payload is not a JSON object")
	}
	return claims, nil
}

// expClaim reads "exp", seconds since the epoch (RFC 7519 NumericDate,
// which may have a fraction).
func expClaim(claims map[string]json.RawMessage) (time.Time, error) {
	raw, ok := claims["exp"]
	if !ok {
		return time.Time{}, errors.New(`the JWT has no "exp" claim`)
	}
	var exp float64
	if err := json.Unmarshal(raw, &exp); err != nil || exp <= 0 || exp > math.MaxInt64/1e9 {
		return time.Time{}, errors.New(`the JWT's "exp" claim is not a positive number of seconds`)
	}
	sec, frac := math.Modf(exp)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
