package producer

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kprod-go/kprod/internal/oauth"
	"github.com/kprod-go/kprod/internal/tlsconf"
	"github.com/kprod-go/kprod/producer/sasl"
)

// OAuthBearerToken is an OAUTHBEARER token for the brokers, as
// confluent-kafka-go's kafka.OAuthBearerToken: the application gives one
// with SetOAuthBearerToken when an OAuthBearerTokenRefresh event asks.
type OAuthBearerToken struct {
	// TokenValue is the token, sent to the broker as is: for a JWT, its
	// three base64url parts joined by dots.
	TokenValue string
	// Expiration is when the token stops being valid. kprod asks for the
	// next one at 80% of the time left until then.
	Expiration time.Time
	// Principal is the identity the token is for.
	Principal string
	// Extensions are SASL extensions sent with the token (KIP-342): keys of
	// letters only, not "auth".
	Extensions map[string]string
}

// String hides the token value.
func (t OAuthBearerToken) String() string {
	return fmt.Sprintf("OAuthBearerToken{principal %q, expires %s, token [redacted]}", t.Principal, t.Expiration.Format(time.RFC3339))
}

// GoString hides the token value from %#v too.
func (t OAuthBearerToken) GoString() string { return t.String() }

// OAuthBearerTokenRefresh is the event asking the application for a new
// OAUTHBEARER token, as librdkafka's oauthbearer_token_refresh_cb: once at
// start and again at 80% of the current token's lifetime. Answer it with
// SetOAuthBearerToken, or SetOAuthBearerTokenFailure; an event not
// answered, or answered with a failure, comes again 10 seconds later. It comes only with sasl.mechanisms=OAUTHBEARER and neither
// sasl.oauthbearer.method=oidc nor enable.sasl.oauthbearer.unsecure.jwt,
// for which kprod gets the tokens itself.
type OAuthBearerTokenRefresh struct {
	// Config is sasl.oauthbearer.config, for the application to read.
	Config string
}

// String names the event.
func (OAuthBearerTokenRefresh) String() string { return "OAuthBearerTokenRefresh" }

// retryAfterFailure is how long after a failed token refresh the next try
// comes, as in librdkafka.
const retryAfterFailure = 10 * time.Second

// oauthManager holds the producer's OAUTHBEARER token and gets the next
// one before it expires: from the application through
// OAuthBearerTokenRefresh events, from the OIDC token endpoint, or by
// making an unsecured JWT. It owns one goroutine, which close stops.
type oauthManager struct {
	p      *Producer
	fetch  func(ctx context.Context) (OAuthBearerToken, error) // nil: the application supplies tokens
	kick   chan struct{}                                       // capacity 1: the token or failure changed
	stop   chan struct{}                                       // closed by close
	done   chan struct{}                                       // closed when the goroutine exits
	ctx    context.Context                                     // ends with close: bounds a fetch
	cancel context.CancelFunc

	// mu guards the following.
	mu      sync.Mutex
	token   *OAuthBearerToken // the latest valid token set, or nil
	failure string            // why the latest refresh failed; "" after a token is set
	askedAt time.Time         // when an unanswered refresh event was pushed; zero once answered
	changed chan struct{}     // closed and replaced when token or failure changes
}

func newOAuthManager(p *Producer) (*oauthManager, error) {
	m := &oauthManager{p: p, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{})}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	s := &p.cfg.sec
	switch {
	case s.oauthMethod == "oidc":
		cfg := s.oidc
		client, err := httpsClient(s)
		if err != nil {
			return nil, err
		}
		cfg.HTTPClient = client
		m.fetch = func(ctx context.Context) (OAuthBearerToken, error) {
			ctx, cancel := context.WithTimeout(ctx, oidcTimeout)
			defer cancel()
			t, err := oauth.FetchOIDC(ctx, cfg)
			return fromOAuth(t), err
		}
	case s.unsecureJWT:
		uc, err := oauth.ParseUnsecuredConfig(s.oauthConfig)
		if err != nil {
			return nil, wrapError(ErrInvalidArg, err, "%v", err)
		}
		m.fetch = func(context.Context) (OAuthBearerToken, error) {
			t, err := uc.Token(time.Now())
			return fromOAuth(t), err
		}
	}
	return m, nil
}

// start starts the goroutine, once the producer can take events.
func (m *oauthManager) start() { go m.loop() }

// fromOAuth converts a token kprod got itself.
func fromOAuth(t oauth.Token) OAuthBearerToken {
	return OAuthBearerToken{TokenValue: t.Value, Expiration: t.Expiration, Principal: t.Principal, Extensions: t.Extensions}
}

// oidcTimeout bounds one request to the token endpoint.
const oidcTimeout = 20 * time.Second

// httpsClient returns the HTTP client for the token endpoint: the system
// roots, or https.ca.location / https.ca.pem.
func httpsClient(s *security) (*http.Client, error) {
	if s.httpsCALocation == "" && s.httpsCAPEM == "" {
		return &http.Client{}, nil
	}
	tc, err := tlsconf.Build(tlsconf.Properties{
		CALocation: s.httpsCALocation, CAPEM: s.httpsCAPEM, Verify: true, EndpointIdentification: "https",
	})
	if err != nil {
		return nil, tlsError(fmt.Errorf("https.ca.*: %w", err))
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, nil
}

// loop refreshes the token at start, at 80% of each token's lifetime, and
// 10 seconds after a failure.
func (m *oauthManager) loop() {
	defer close(m.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-timer.C:
			m.refresh()
		case <-m.kick:
		}
		timer.Stop()
		if wait, ok := m.nextRefresh(time.Now()); ok {
			timer.Reset(wait)
		}
	}
}

// nextRefresh returns how long until the next refresh, and false when none
// is due. An event the application has not answered is asked again after
// 10 seconds, as is a failed refresh.
func (m *oauthManager) nextRefresh(now time.Time) (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case !m.askedAt.IsZero():
		return max(m.askedAt.Add(retryAfterFailure).Sub(now), 0), true
	case m.failure != "":
		return retryAfterFailure, true
	case m.token != nil:
		return max(m.token.Expiration.Sub(now)*8/10, 0), true
	}
	return 0, m.fetch != nil
}

// refresh asks the application for a token, or gets one itself.
func (m *oauthManager) refresh() {
	if m.fetch == nil {
		m.mu.Lock()
		m.askedAt = time.Now()
		m.mu.Unlock()
		m.p.reports.push(OAuthBearerTokenRefresh{Config: m.p.cfg.sec.oauthConfig})
		return
	}
	t, err := m.fetch(m.ctx)
	if err == nil {
		err = m.set(t)
	}
	if err != nil && m.ctx.Err() == nil {
		m.fail(err.Error())
	}
}

// set validates and installs t, as librdkafka's
// rd_kafka_oauthbearer_set_token, and lets connections waiting to retry
// try again with it.
func (m *oauthManager) set(t OAuthBearerToken) error {
	if err := validToken(t, time.Now()); err != nil {
		return err
	}
	t.Extensions = maps.Clone(t.Extensions) // connections read it: the caller's map stays the caller's
	m.mu.Lock()
	m.token = &t
	m.failure = ""
	m.askedAt = time.Time{}
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
	m.wake()
	m.p.reconnect()
	return nil
}

// fail records a failed refresh; the next try comes 10 seconds later. As
// librdkafka does, an _AUTHENTICATION Error event tells it when the reason
// differs from the last failure's.
func (m *oauthManager) fail(reason string) {
	m.mu.Lock()
	changed := reason != m.failure
	m.failure = reason
	m.askedAt = time.Time{}
	close(m.changed)
	m.changed = make(chan struct{})
	m.mu.Unlock()
	if changed {
		m.p.reports.push(newError(ErrAuthentication, "Failed to acquire SASL OAUTHBEARER token: %s", reason))
	}
	m.wake()
}

func (m *oauthManager) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// current returns the token for an authentication: the latest one while
// it is valid, else it waits for one (or for ctx, the connection's setup
// timeout). A failed refresh with no valid token fails at once.
func (m *oauthManager) current(ctx context.Context) (sasl.Token, error) {
	for {
		m.mu.Lock()
		t, failure, changed := m.token, m.failure, m.changed
		m.mu.Unlock()
		if t != nil && time.Now().Before(t.Expiration) {
			return sasl.Token{Value: t.TokenValue, Extensions: t.Extensions}, nil
		}
		if failure != "" {
			return sasl.Token{}, fmt.Errorf("no valid OAUTHBEARER token: the last refresh failed: %s", failure)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if m.fetch == nil {
				return sasl.Token{}, fmt.Errorf("no OAUTHBEARER token yet: answer the OAuthBearerTokenRefresh event from Poll with SetOAuthBearerToken: %w", ctx.Err())
			}
			return sasl.Token{}, fmt.Errorf("no OAUTHBEARER token yet: %w", ctx.Err())
		case <-m.stop:
			return sasl.Token{}, fmt.Errorf("no OAUTHBEARER token: %w", ErrDestroy)
		}
	}
}

// close stops the goroutine and waits for it.
func (m *oauthManager) close() {
	close(m.stop)
	m.cancel()
	<-m.done
}

// validToken checks t before it is accepted, with librdkafka's rules: a
// token of visible ASCII characters (it follows "Bearer " in the SASL
// message), not yet expired, with a principal, and extensions RFC 7628
// allows.
func validToken(t OAuthBearerToken, now time.Time) error {
	if t.TokenValue == "" || strings.IndexFunc(t.TokenValue, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return newError(ErrInvalidArg, "OAUTHBEARER token value is empty or has characters other than visible ASCII")
	}
	if !t.Expiration.After(now) {
		return newError(ErrInvalidArg, "Must supply an unexpired token: now=%dms, exp=%dms", now.UnixMilli(), t.Expiration.UnixMilli())
	}
	if t.Principal == "" {
		return newError(ErrInvalidArg, "OAUTHBEARER token: Principal must be set")
	}
	for k, v := range t.Extensions {
		if err := sasl.CheckExtension(k, v); err != nil {
			return wrapError(ErrInvalidArg, err, "%v", err)
		}
	}
	return nil
}

// SetOAuthBearerToken sets the OAUTHBEARER token that connections
// authenticate with from now on, answering an OAuthBearerTokenRefresh
// event. The next event comes at 80% of the time until t.Expiration. It
// fails with ErrState unless sasl.mechanisms is OAUTHBEARER and the
// application supplies tokens, and with ErrInvalidArg for an expired
// token, an empty principal or a malformed token or extension.
func (p *Producer) SetOAuthBearerToken(t OAuthBearerToken) error {
	m, err := p.appOAuth("SetOAuthBearerToken")
	if err != nil {
		return err
	}
	return m.set(t)
}

// SetOAuthBearerTokenFailure tells the producer that the application
// could not get a token, answering an OAuthBearerTokenRefresh event: an
// _AUTHENTICATION Error event carries errstr, and the refresh event comes
// again 10 seconds later. Connections keep using a token that is still
// valid. It fails with ErrState as SetOAuthBearerToken does, and with
// ErrInvalidArg for an empty errstr.
func (p *Producer) SetOAuthBearerTokenFailure(errstr string) error {
	m, err := p.appOAuth("SetOAuthBearerTokenFailure")
	if err != nil {
		return err
	}
	if errstr == "" {
		return newError(ErrInvalidArg, "SetOAuthBearerTokenFailure: errstr must not be empty")
	}
	m.fail(errstr)
	return nil
}

// appOAuth returns the token manager when the application supplies tokens.
func (p *Producer) appOAuth(call string) (*oauthManager, error) {
	if p.oauth == nil {
		return nil, newError(ErrState, "%s: SASL/OAUTHBEARER is not the configured authentication mechanism", call)
	}
	if p.oauth.fetch != nil {
		return nil, newError(ErrState, "%s: kprod gets the tokens itself (sasl.oauthbearer.method=oidc or enable.sasl.oauthbearer.unsecure.jwt)", call)
	}
	return p.oauth, nil
}
