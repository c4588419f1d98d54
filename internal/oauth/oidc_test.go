package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	testClientID     = "kprod-client"
	testClientSecret = "SECRET:client-secret/with+chars"
)

// testJWT builds a JWT with the given payload and a fake signature.
func testJWT(payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"k1"}`)) + "." +
		enc.EncodeToString([]byte(payload)) + ".SECRETsignature"
}

// tokenEndpoint is a token endpoint that checks the request the way an
// identity provider would and answers with answer.
type tokenEndpoint struct {
	tb        testing.TB
	wantScope string
	status    int
	ctype     string
	answer    string
	gotBody   string
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tb := e.tb
	if r.Method != http.MethodPost {
		tb.Errorf("method: got %s, want POST", r.Method)
	}
	if r.URL.Path != "/oauth2/token" {
		tb.Errorf("path: got %s, want /oauth2/token", r.URL.Path)
	}
	if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		tb.Errorf("Content-Type: got %q, want application/x-www-form-urlencoded", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		tb.Errorf("Accept: got %q, want application/json", got)
	}
	// librdkafka sends "id:secret" in base64, the id and secret as they are.
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testClientSecret))
	if got := r.Header.Get("Authorization"); got != wantAuth {
		tb.Errorf("Authorization: got %q, want %q", got, wantAuth)
	}
	body, _ := io.ReadAll(r.Body)
	e.gotBody = string(body)
	r.Body = io.NopCloser(strings.NewReader(e.gotBody))
	if err := r.ParseForm(); err != nil {
		tb.Errorf("form: %v", err)
	}
	if got := r.PostForm.Get("grant_type"); got != "client_credentials" {
		tb.Errorf("grant_type: got %q, want client_credentials", got)
	}
	if got, ok := r.PostForm["scope"]; e.wantScope == "" && ok {
		tb.Errorf("scope: got %q, want none", got)
	} else if e.wantScope != "" && r.PostForm.Get("scope") != e.wantScope {
		tb.Errorf("scope: got %q, want %q", r.PostForm.Get("scope"), e.wantScope)
	}
	ctype := e.ctype
	if ctype == "" {
		ctype = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	status := e.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	io.WriteString(w, e.answer)
}

func startEndpoint(tb testing.TB, e *tokenEndpoint) OIDCConfig {
	tb.Helper()
	e.tb = tb
	srv := httptest.NewServer(e)
	tb.Cleanup(srv.Close)
	return OIDCConfig{
		ClientID:         testClientID,
		ClientSecret:     testClientSecret,
		TokenEndpointURL: srv.URL + "/oauth2/token",
		HTTPClient:       srv.Client(),
	}
}

func TestFetchOIDCGetsATokenWithClientCredentials(t *testing.T) {
	jwt := testJWT(`{"sub":"svc-orders","exp":2000000000.5,"iat":1999996400,"scope":"kafka"}`)
	e := &tokenEndpoint{wantScope: "kafka:write openid", answer: `{"access_token":"` + jwt + `","token_type":"Bearer","expires_in":3600}`}
	c := startEndpoint(t, e)
	c.Scope = "kafka:write openid"
	c.Extensions = map[string]string{"logicalCluster": "lkc-1"}
	tok, err := FetchOIDC(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value != jwt {
		t.Errorf("Value: got %q, want the access token", tok.Value)
	}
	if want := time.Unix(2000000000, 500_000_000); !tok.Expiration.Equal(want) {
		t.Errorf("Expiration: got %v, want %v", tok.Expiration, want)
	}
	if tok.Principal != "svc-orders" {
		t.Errorf("Principal: got %q, want svc-orders", tok.Principal)
	}
	if !maps.Equal(tok.Extensions, c.Extensions) {
		t.Errorf("Extensions: got %v, want %v", tok.Extensions, c.Extensions)
	}
	tok.Extensions["logicalCluster"] = "changed"
	if c.Extensions["logicalCluster"] != "lkc-1" {
		t.Error("the token shares its extensions map with the config")
	}
	if want := "grant_type=client_credentials&scope=kafka%3Awrite+openid"; e.gotBody != want {
		t.Errorf("body: got %q, want %q", e.gotBody, want)
	}
}

func TestFetchOIDCSendsNoScopeWhenNoneIsSet(t *testing.T) {
	e := &tokenEndpoint{answer: `{"access_token":"` + testJWT(`{"sub":"s","exp":2000000000}`) + `"}`}
	if _, err := FetchOIDC(context.Background(), startEndpoint(t, e)); err != nil {
		t.Fatal(err)
	}
	if e.gotBody != "grant_type=client_credentials" {
		t.Errorf("body: got %q, want grant_type=client_credentials", e.gotBody)
	}
}

func TestFetchOIDCReportsAFailingEndpoint(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct {
		name      string
		status    int
		temporary bool
	}{
		{"a 500 is reported, and is temporary", http.StatusInternalServerError, true},
		{"a 429 is reported, and is temporary", http.StatusTooManyRequests, true},
		{"a 401 is reported, and is not temporary", http.StatusUnauthorized, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer := `{"error":"invalid_client","error_description":"upstream said no ` + long + `","echo":"client_secret=s3cr3t"}`
			c := startEndpoint(t, &tokenEndpoint{status: tc.status, ctype: "application/json", answer: answer})
			_, err := FetchOIDC(context.Background(), c)
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *StatusError", err)
			}
			if se.StatusCode != tc.status || se.Temporary() != tc.temporary {
				t.Errorf("got status %d temporary %v, want %d %v", se.StatusCode, se.Temporary(), tc.status, tc.temporary)
			}
			if se.OAuthError != "invalid_client" || len(se.Description) != 200 || !strings.HasPrefix(se.Description, "upstream said no") {
				t.Errorf("OAuth error: got %q, %d bytes of description %q; want invalid_client and the first 200", se.OAuthError, len(se.Description), se.Description)
			}
			msg := err.Error()
			if !strings.Contains(msg, "sasl.oauthbearer.token.endpoint.url") || !strings.Contains(msg, fmt.Sprint(tc.status)) || !strings.Contains(msg, "invalid_client") {
				t.Errorf("error %q does not name the property, the status and the OAuth error", msg)
			}
			if strings.Contains(msg, "s3cr3t") {
				t.Errorf("error %q repeats what the answer echoed", msg)
			}
		})
	}
}

func TestFetchOIDCDoesNotQuoteAnAnswerThatIsNotAnOAuthError(t *testing.T) {
	c := startEndpoint(t, &tokenEndpoint{status: http.StatusBadGateway, ctype: "text/plain", answer: "POST /token client_secret=s3cr3t"})
	_, err := FetchOIDC(context.Background(), c)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "502") {
		t.Errorf("got %v, want the status without the answer", err)
	}
}

func TestFetchOIDCRefusesABadAnswer(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, answer, want string
	}{
		{"an answer that is not JSON is refused", "", `{"access_token": SECRET`, "not a JSON object"},
		{"an answer of another content type is refused", "text/html", `<html>`, `is not JSON (Content-Type "text/html")`},
		{"an answer without access_token is refused", "", `{"id_token":"x"}`, `no "access_token" field`},
		{"an access_token that is not a string is refused", "", `{"access_token":42}`, `"access_token" is not a string`},
		{"an empty access_token is refused", "", `{"access_token":""}`, `"access_token" is empty`},
		{"an access_token that is not a JWT is refused", "", `{"access_token":"SECRET.opaque"}`, "not a JWT: it has 2 dot-separated parts"},
		{"a JWT payload that is not base64url is refused", "", `{"access_token":"a.SECRET!!.c"}`, "payload is not base64url"},
		{"a JWT payload that is not JSON is refused", "", `{"access_token":"` + testJWT(`SECRET`) + `"}`, "payload is not a JSON object"},
		{"a JWT without exp is refused", "", `{"access_token":"` + testJWT(`{"sub":"s"}`) + `"}`, `no "exp" claim`},
		{"a JWT with a string exp is refused", "", `{"access_token":"` + testJWT(`{"sub":"s","exp":"soon"}`) + `"}`, `"exp" claim is not a positive number`},
		{"a JWT with a zero exp is refused", "", `{"access_token":"` + testJWT(`{"sub":"s","exp":0}`) + `"}`, `"exp" claim is not a positive number`},
		{"a JWT without sub is refused", "", `{"access_token":"` + testJWT(`{"exp":2000000000}`) + `"}`, `no "sub" claim`},
		{"a JWT with an empty sub is refused", "", `{"access_token":"` + testJWT(`{"exp":2000000000,"sub":""}`) + `"}`, `"sub" claim is not a non-empty string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startEndpoint(t, &tokenEndpoint{ctype: tc.ctype, answer: tc.answer})
			_, err := FetchOIDC(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "sasl.oauthbearer.token.endpoint.url: ") {
				t.Errorf("error %q does not name the property", err)
			}
			assertNoSecret(t, err)
		})
	}
}

func TestFetchOIDCHonoursTheContextDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := FetchOIDC(ctx, OIDCConfig{ClientID: testClientID, ClientSecret: testClientSecret, TokenEndpointURL: srv.URL, HTTPClient: srv.Client()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("FetchOIDC returned after %v, long after the 50ms deadline", d)
	}
	assertNoSecret(t, err)
}

func TestFetchOIDCRefusesAnIncompleteConfig(t *testing.T) {
	good := OIDCConfig{ClientID: "id", ClientSecret: testClientSecret, TokenEndpointURL: "https://idp.example/token"}
	for _, tc := range []struct {
		name   string
		change func(*OIDCConfig)
		want   string
	}{
		{"a missing endpoint is refused", func(c *OIDCConfig) { c.TokenEndpointURL = "" }, "sasl.oauthbearer.token.endpoint.url is not set"},
		{"a missing client id is refused", func(c *OIDCConfig) { c.ClientID = "" }, "sasl.oauthbearer.client.id is not set"},
		{"a missing client secret is refused", func(c *OIDCConfig) { c.ClientSecret = "" }, "sasl.oauthbearer.client.secret is not set"},
		{"an endpoint that is not http or https is refused", func(c *OIDCConfig) { c.TokenEndpointURL = "ftp://idp/token" }, "not an http or https URL"},
		{"a bad extension is refused", func(c *OIDCConfig) { c.Extensions = map[string]string{"auth": "x"} }, `sasl.oauthbearer.extensions: OAUTHBEARER extension key "auth" is reserved`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.change(&c)
			_, err := FetchOIDC(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseExtensions(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]string
	}{
		{"librdkafka's documented example parses", "supportFeatureX=true,organizationId=sales-emea",
			map[string]string{"supportFeatureX": "true", "organizationId": "sales-emea"}},
		{"an empty string is no extensions", "", nil},
		{"blanks around items and empty items are dropped", " a=1 ,, b=x y ,",
			map[string]string{"a": "1", "b": "x y"}},
		{"a backslash escapes a comma", `a=x\,y,b=2`, map[string]string{"a": "x,y", "b": "2"}},
		{"a value may hold '='", "a=x=y", map[string]string{"a": "x=y"}},
		{"a value may be empty", "a=", map[string]string{"a": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseExtensions(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, in, want string }{
		{"an item without '=' is refused", "a=1,flag", "item 2 has no '='"},
		{"an empty key is refused", "=v", "item 1 has an empty key"},
		{"a repeated key is refused", "a=1,a=2", `key "a" appears more than once`},
		{"a key with a digit is refused", "k1=v", `OAUTHBEARER extension key "k1" has a character other than A-Z and a-z`},
		{"the reserved key auth is refused", "auth=v", `"auth" is reserved`},
		{"a value with a control byte is refused", `a=x\0`, `value has byte 0x00`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseExtensions(tc.in)
			if err == nil || !strings.HasPrefix(err.Error(), "sasl.oauthbearer.extensions: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want sasl.oauthbearer.extensions: ... %s", err, tc.want)
			}
		})
	}
}

// assertNoSecret checks that v, printed every way fmt can, shows neither
// the client secret nor anything marked SECRET in a test token.
func assertNoSecret(tb testing.TB, v any) {
	tb.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, v)
		if strings.Contains(out, testClientSecret) || strings.Contains(out, "SECRET") {
			tb.Errorf("printed with %s, a secret shows: %s", verb, out)
		}
	}
}

func TestSecretsStayOutOfPrintedValues(t *testing.T) {
	jwt := testJWT(`{"sub":"s","exp":2000000000}`)
	c := startEndpoint(t, &tokenEndpoint{answer: `{"access_token":"` + jwt + `"}`})
	assertNoSecret(t, c)
	assertNoSecret(t, &c)
	tok, err := FetchOIDC(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{tok, &tok} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, jwt) || strings.Contains(out, "SECRET") {
				t.Errorf("a token printed with %s shows its value: %s", verb, out)
			}
		}
	}
	u, err := ParseUnsecuredConfig("principal=admin")
	if err != nil {
		t.Fatal(err)
	}
	utok, err := u.Token(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if out := fmt.Sprintf("%#v %+v", utok, utok); strings.Contains(out, utok.Value) {
		t.Errorf("an unsecured token printed shows its value: %s", out)
	}
}
