package producer_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// tokenBroker is a one-broker kfake cluster that speaks SASL OAUTHBEARER
// through control hooks (kfake's own SASL has no OAUTHBEARER) and checks
// each token against the ones it was told to accept.
type tokenBroker struct {
	*kfake.Cluster
	lifetime time.Duration // the session lifetime granted (KIP-368); 0: none

	mu       sync.Mutex
	accepted map[string]bool     // tokens the broker takes
	seen     []string            // tokens presented, in order
	exts     []map[string]string // extensions presented with them
}

func newTokenBroker(t *testing.T, lifetime time.Duration) *tokenBroker {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, testTopic))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	b := &tokenBroker{Cluster: c, lifetime: lifetime, accepted: make(map[string]bool)}
	c.ControlKey(int16(kmsg.SASLHandshake), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLHandshakeRequest)
		resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
		if req.Mechanism != "OAUTHBEARER" {
			resp.ErrorCode = 33 // UNSUPPORTED_SASL_MECHANISM
			resp.SupportedMechanisms = []string{"OAUTHBEARER"}
		}
		return resp, nil, true
	})
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.SASLAuthenticateRequest)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		token, exts, ok := parseClientResponse(req.SASLAuthBytes)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.seen = append(b.seen, token)
		b.exts = append(b.exts, exts)
		if !ok || !b.accepted[token] {
			resp.ErrorCode = 58 // SASL_AUTHENTICATION_FAILED
			msg := "invalid token"
			resp.ErrorMessage = &msg
			return resp, nil, true
		}
		resp.SessionLifetimeMillis = b.lifetime.Milliseconds()
		return resp, nil, true
	})
	return b
}

// parseClientResponse reads an OAUTHBEARER client first message (RFC 7628).
func parseClientResponse(b []byte) (token string, exts map[string]string, ok bool) {
	rest, found := strings.CutPrefix(string(b), "n,,\x01")
	if !found || !strings.HasSuffix(rest, "\x01\x01") {
		return "", nil, false
	}
	exts = make(map[string]string)
	for _, kv := range strings.Split(strings.TrimSuffix(rest, "\x01\x01"), "\x01") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "auth" {
			token, found = strings.CutPrefix(v, "Bearer ")
			if !found {
				return "", nil, false
			}
			continue
		}
		exts[k] = v
	}
	return token, exts, token != ""
}

func (b *tokenBroker) accept(token string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.accepted[token] = true
}

func (b *tokenBroker) presented(token string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.seen {
		if s == token {
			return true
		}
	}
	return false
}

func (b *tokenBroker) config() producer.ConfigMap {
	return producer.ConfigMap{
		"bootstrap.servers": strings.Join(b.ListenAddrs(), ","),
		"security.protocol": "SASL_PLAINTEXT",
		"sasl.mechanisms":   "OAUTHBEARER",
		"linger.ms":         1,
	}
}

// awaitRefresh polls p until an OAuthBearerTokenRefresh event comes.
func awaitRefresh(t *testing.T, p *producer.Producer, within time.Duration) producer.OAuthBearerTokenRefresh {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		switch e := p.Poll(50 * time.Millisecond).(type) {
		case producer.OAuthBearerTokenRefresh:
			return e
		case producer.Error:
			t.Logf("error event: %v", e)
		case *producer.Message:
			require.NoError(t, e.Err, "delivery report")
		}
	}
	t.Fatalf("no OAuthBearerTokenRefresh event within %v", within)
	return producer.OAuthBearerTokenRefresh{}
}

func TestOAuthBearerTokensFromTheApplication(t *testing.T) {
	b := newTokenBroker(t, 700*time.Millisecond)
	b.accept("token-one")
	b.accept("token-two")
	conf := b.config()
	conf["sasl.oauthbearer.config"] = "scope=kafka"
	p := newSecureProducer(t, conf)

	ev := awaitRefresh(t, p, 5*time.Second) // at start
	require.Equal(t, "scope=kafka", ev.Config)
	err := p.SetOAuthBearerToken(producer.OAuthBearerToken{TokenValue: "token-one", Expiration: time.Now().Add(-time.Second), Principal: "svc"})
	require.ErrorIs(t, err, producer.ErrInvalidArg, "an expired token")
	require.NoError(t, p.SetOAuthBearerToken(producer.OAuthBearerToken{
		TokenValue: "token-one", Expiration: time.Now().Add(2 * time.Second), Principal: "svc",
		Extensions: map[string]string{"logicalCluster": "lkc-1"},
	}))
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("one")}, nil))
	for _, m := range pollReports(t, p, 1, 10*time.Second) {
		require.NoError(t, m.Err)
	}
	require.True(t, b.presented("token-one"))
	b.mu.Lock()
	require.Equal(t, "lkc-1", b.exts[0]["logicalCluster"], "extension sent with the token")
	b.mu.Unlock()

	// At 80% of the token's 2 s the producer asks again; the sessions,
	// re-authenticating every ~0.6 s, then present the new token.
	start := time.Now()
	awaitRefresh(t, p, 5*time.Second)
	require.Less(t, time.Since(start), 2*time.Second, "refresh event before the token expired")
	require.NoError(t, p.SetOAuthBearerToken(producer.OAuthBearerToken{
		TokenValue: "token-two", Expiration: time.Now().Add(time.Hour), Principal: "svc"}))
	waitFor(t, 5*time.Second, "the new token presented", func() bool { return b.presented("token-two") })
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("two")}, nil))
	for _, m := range pollReports(t, p, 1, 10*time.Second) {
		require.NoError(t, m.Err)
	}
	require.Len(t, consume(t, b.Cluster, testTopic, 2), 2)
}

func TestOAuthBearerTokenRefusedByTheBrokerIsAnAuthenticationError(t *testing.T) {
	b := newTokenBroker(t, 0)
	p := newSecureProducer(t, b.config())
	awaitRefresh(t, p, 5*time.Second)
	require.NoError(t, p.SetOAuthBearerToken(producer.OAuthBearerToken{
		TokenValue: "forged", Expiration: time.Now().Add(time.Hour), Principal: "svc"}))
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("x")}, nil))
	e := awaitError(t, p, producer.ErrAuthentication, 10*time.Second)
	require.Contains(t, e.Error(), "invalid token", "the broker's reason")
	require.NotContains(t, e.Error(), "forged", "the token itself stays out of errors")
}

func TestSetOAuthBearerTokenFailureIsAnErrorEvent(t *testing.T) {
	b := newTokenBroker(t, 0)
	p := newSecureProducer(t, b.config())
	awaitRefresh(t, p, 5*time.Second)
	require.NoError(t, p.SetOAuthBearerTokenFailure("identity provider unreachable"))
	e := awaitError(t, p, producer.ErrAuthentication, 5*time.Second)
	require.Contains(t, e.Error(), "identity provider unreachable")
}

func TestOAuthBearerCallsNeedOAuthBearer(t *testing.T) {
	c := newCluster(t)
	p := newProducer(t, c, nil)
	err := p.SetOAuthBearerToken(producer.OAuthBearerToken{TokenValue: "t", Expiration: time.Now().Add(time.Hour), Principal: "p"})
	require.ErrorIs(t, err, producer.ErrState)
	require.ErrorIs(t, p.SetOAuthBearerTokenFailure("x"), producer.ErrState)
}

// tokenEndpoint is an OIDC token endpoint (client-credentials grant) that
// issues JWTs valid for lifetime and tells the broker to accept them.
type tokenEndpoint struct {
	*httptest.Server
	mu     sync.Mutex
	grants int
	fail   bool
}

func newTokenEndpoint(t *testing.T, b *tokenBroker, lifetime time.Duration) *tokenEndpoint {
	t.Helper()
	te := &tokenEndpoint{}
	te.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		te.mu.Lock()
		fail := te.fail
		te.grants++
		n := te.grants
		te.mu.Unlock()
		if fail {
			http.Error(w, "identity provider down", http.StatusInternalServerError)
			return
		}
		if r.Method != http.MethodPost || !ok || id != "kprod-client" || secret != "client-secret" ||
			r.FormValue("grant_type") != "client_credentials" || r.FormValue("scope") != "produce" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		claims, _ := json.Marshal(map[string]any{"sub": "svc", "exp": time.Now().Add(lifetime).Unix(), "n": n})
		jwt := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." +
			base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
		b.accept(jwt)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": jwt, "token_type": "bearer", "expires_in": int(lifetime.Seconds())})
	}))
	t.Cleanup(te.Close)
	return te
}

func (te *tokenEndpoint) count() int {
	te.mu.Lock()
	defer te.mu.Unlock()
	return te.grants
}

func TestOIDCClientCredentialsGrantAndRefresh(t *testing.T) {
	b := newTokenBroker(t, 0)
	te := newTokenEndpoint(t, b, 3*time.Second) // JWT exp has 1 s resolution: refresh at 80% of 2-3 s
	conf := b.config()
	conf["sasl.oauthbearer.method"] = "oidc"
	conf["sasl.oauthbearer.client.id"] = "kprod-client"
	conf["sasl.oauthbearer.client.secret"] = "client-secret"
	conf["sasl.oauthbearer.token.endpoint.url"] = te.URL + "/token"
	conf["sasl.oauthbearer.scope"] = "produce"
	conf["sasl.oauthbearer.extensions"] = "logicalCluster=lkc-9"
	p := newSecureProducer(t, conf)
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("oidc")}, nil))
	for _, m := range pollReports(t, p, 1, 10*time.Second) {
		require.NoError(t, m.Err)
	}
	b.mu.Lock()
	require.NotEmpty(t, b.seen)
	require.Equal(t, "lkc-9", b.exts[0]["logicalCluster"])
	b.mu.Unlock()
	waitFor(t, 5*time.Second, "a second grant before the first token expired", func() bool { return te.count() >= 2 })
	err := p.SetOAuthBearerToken(producer.OAuthBearerToken{TokenValue: "t", Expiration: time.Now().Add(time.Hour), Principal: "p"})
	require.ErrorIs(t, err, producer.ErrState, "kprod gets the tokens itself")
}

func TestAFailingTokenEndpointIsAnErrorEventAndNothingHangs(t *testing.T) {
	b := newTokenBroker(t, 0)
	te := newTokenEndpoint(t, b, time.Hour)
	te.mu.Lock()
	te.fail = true
	te.mu.Unlock()
	conf := b.config()
	conf["sasl.oauthbearer.method"] = "OIDC"
	conf["sasl.oauthbearer.client.id"] = "kprod-client"
	conf["sasl.oauthbearer.client.secret"] = "client-secret"
	conf["sasl.oauthbearer.token.endpoint.url"] = te.URL + "/token"
	conf["message.timeout.ms"] = 2000
	p := newSecureProducer(t, conf)
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("x")}, nil))
	e := awaitError(t, p, producer.ErrAuthentication, 5*time.Second)
	require.Contains(t, e.Error(), "500")
	require.NotContains(t, e.Error(), "client-secret")
	require.Equal(t, 0, p.Flush(5*time.Second))
}

func TestUnsecuredJWTsForTestBrokers(t *testing.T) {
	b := newTokenBroker(t, 0)
	conf := b.config()
	conf["enable.sasl.oauthbearer.unsecure.jwt"] = true
	conf["sasl.oauthbearer.config"] = "principal=admin scope=produce,describe"
	p := newSecureProducer(t, conf)
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("x")}, nil))
	waitFor(t, 5*time.Second, "a token presented", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.seen) > 0
	})
	b.mu.Lock()
	token := b.seen[0]
	b.mu.Unlock()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	require.JSONEq(t, `{"alg":"none"}`, string(header))
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		Sub   string   `json:"sub"`
		Scope []string `json:"scope"`
	}
	require.NoError(t, json.Unmarshal(payload, &claims))
	require.Equal(t, "admin", claims.Sub)
	require.Equal(t, []string{"produce", "describe"}, claims.Scope)
	b.accept(token)
	for _, m := range pollReports(t, p, 1, 20*time.Second) {
		require.NoError(t, m.Err)
	}
}
