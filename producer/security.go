package producer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/kprod-go/kprod/internal/broker"
	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/oauth"
	"github.com/kprod-go/kprod/internal/observe"
	"github.com/kprod-go/kprod/internal/tlsconf"
	"github.com/kprod-go/kprod/producer/sasl"
)

// security is the connection security configuration: security.protocol
// and the ssl.*, https.* and sasl.* properties, as parsed.
type security struct {
	protocol        string             // security.protocol: plaintext, ssl, sasl_plaintext, sasl_ssl
	tls             tlsconf.Properties // ssl.*
	httpsCALocation string             // https.ca.location: CA for the OIDC token endpoint
	httpsCAPEM      string             // https.ca.pem
	mechanism       string             // sasl.mechanisms
	username        string             // sasl.username
	password        string             // sasl.password
	oauthConfig     string             // sasl.oauthbearer.config
	unsecureJWT     bool               // enable.sasl.oauthbearer.unsecure.jwt
	oauthMethod     string             // sasl.oauthbearer.method: default or oidc
	oidc            oauth.OIDCConfig   // sasl.oauthbearer.client.id, .client.secret, .scope, .token.endpoint.url
	oidcExtensions  string             // sasl.oauthbearer.extensions
	grantType       string             // sasl.oauthbearer.grant.type: only client_credentials
}

// String describes the security configuration without its secrets.
func (s security) String() string {
	return fmt.Sprintf("security{protocol %s, mechanism %s, [credentials and keys redacted]}", s.protocol, s.mechanism)
}

// GoString keeps the secrets out of %#v too.
func (s security) GoString() string { return s.String() }

func (s *security) usesTLS() bool  { return s.protocol == "ssl" || s.protocol == "sasl_ssl" }
func (s *security) usesSASL() bool { return strings.HasPrefix(s.protocol, "sasl_") }

// validate checks the security properties against each other and against
// the options that replace some of them (WithTLSConfig,
// WithSASLMechanism), with librdkafka's wording where it has one. New calls
// it once the options are known.
func (s *security) validate(o *options, set map[string]bool) error {
	if o.tlsConfig != nil && !s.usesTLS() {
		return newError(ErrInvalidArg, "WithTLSConfig needs security.protocol ssl or sasl_ssl, not %s", s.protocol)
	}
	if o.tlsConfig != nil {
		for _, p := range securityProperties {
			if set[p.name] && (strings.HasPrefix(p.name, "ssl.") || p.name == "enable.ssl.certificate.verification") {
				return newError(ErrInvalidArg, "Configuration property %q is ignored with WithTLSConfig: set one or the other", p.name)
			}
		}
	}
	if o.saslMechanism != nil && !s.usesSASL() {
		return newError(ErrInvalidArg, "WithSASLMechanism needs security.protocol sasl_plaintext or sasl_ssl, not %s", s.protocol)
	}
	if !s.usesSASL() || o.saslMechanism != nil {
		return nil
	}
	switch s.mechanism {
	case "GSSAPI":
		return newError(ErrNotImplemented,
			"Configuration property \"sasl.mechanisms\" value \"GSSAPI\" (Kerberos, librdkafka's default) is not supported by kprod: "+
				"set sasl.mechanisms to PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER, or give WithSASLMechanism")
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		if s.username == "" || s.password == "" {
			return newError(ErrInvalidArg, "sasl.username and sasl.password must be set for sasl.mechanisms=%s", s.mechanism)
		}
	case "OAUTHBEARER":
		return s.validateOAuth()
	}
	return nil
}

// validateOAuth checks the OAUTHBEARER properties of the token source
// chosen: OIDC, unsecured JWTs, or the application.
func (s *security) validateOAuth() error {
	if s.oauthMethod == "oidc" {
		if s.unsecureJWT {
			return newError(ErrInvalidArg, "`enable.sasl.oauthbearer.unsecure.jwt` and `sasl.oauthbearer.method=oidc` are mutually exclusive")
		}
		for _, req := range []struct{ name, value string }{
			{"sasl.oauthbearer.client.id", s.oidc.ClientID},
			{"sasl.oauthbearer.client.secret", s.oidc.ClientSecret},
			{"sasl.oauthbearer.token.endpoint.url", s.oidc.TokenEndpointURL},
		} {
			if req.value == "" {
				return newError(ErrInvalidArg, "`%s` is mandatory when `sasl.oauthbearer.method=oidc` is set", req.name)
			}
		}
		if u := strings.ToLower(s.oidc.TokenEndpointURL); !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return newError(ErrInvalidArg, "Configuration property \"sasl.oauthbearer.token.endpoint.url\": expected an http:// or https:// URL")
		}
		ext, err := oauth.ParseExtensions(s.oidcExtensions)
		if err != nil {
			return wrapError(ErrInvalidArg, err, "%v", err)
		}
		s.oidc.Extensions = ext
		return nil
	}
	if s.unsecureJWT {
		if _, err := oauth.ParseUnsecuredConfig(s.oauthConfig); err != nil {
			return wrapError(ErrInvalidArg, err, "%v", err)
		}
	}
	return nil
}

// buildSecurity builds the TLS and SASL steps of every connection. New
// calls it before the producer starts any goroutine, since it can fail (a
// CA file that cannot be read, say); the OAUTHBEARER token manager it may
// create starts with the producer.
func (p *Producer) buildSecurity() (broker.HandshakeFunc, broker.AuthenticateFunc, error) {
	s := &p.cfg.sec
	var hs broker.HandshakeFunc
	var auth broker.AuthenticateFunc
	if s.usesTLS() {
		tc := p.opts.tlsConfig
		if tc == nil {
			var err error
			if tc, err = tlsconf.Build(s.tls); err != nil {
				return nil, nil, tlsError(err)
			}
		}
		hs = broker.TLS(tc)
	}
	if s.usesSASL() {
		m, err := p.mechanism()
		if err != nil {
			return nil, nil, err
		}
		auth = broker.SASL(m)
		if p.log.On(logx.Security) {
			auth = logSASL(p.log, m.Name(), auth)
		}
	}
	if hs != nil && p.log.On(logx.Security) {
		hs = logTLS(p.log, hs)
	}
	return hs, auth, nil
}

// logTLS wraps the TLS step with security debug lines: the handshake's
// outcome, version, cipher suite and the broker's certificate.
func logTLS(log *logx.Logger, hs broker.HandshakeFunc) broker.HandshakeFunc {
	return func(ctx context.Context, nc net.Conn, node observe.Node) (net.Conn, error) {
		log.Debugf(logx.Security, "SSL", "%s: starting TLS handshake", brokerName(node))
		c, err := hs(ctx, nc, node)
		if err != nil {
			log.Debugf(logx.Security, "SSL", "%s: TLS handshake failed: %v", brokerName(node), err)
			return c, err
		}
		if tc, ok := c.(*tls.Conn); ok {
			st := tc.ConnectionState()
			subject := "none"
			if len(st.PeerCertificates) > 0 {
				subject = st.PeerCertificates[0].Subject.String()
			}
			log.Debugf(logx.Security, "SSL", "%s: TLS handshake done: %s, %s, broker certificate subject %q",
				brokerName(node), tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), subject)
		}
		return c, nil
	}
}

// logSASL wraps the SASL step, first authentication and KIP-368
// re-authentications alike, with security debug lines.
func logSASL(log *logx.Logger, mechanism string, auth broker.AuthenticateFunc) broker.AuthenticateFunc {
	return func(ctx context.Context, c *broker.Conn) (time.Duration, error) {
		name, what := brokerName(c.Node()), "authenticat"
		if c.Reauthenticating() {
			what = "re-authenticat"
		}
		log.Debugf(logx.Security, "SASL", "%s: %sing with SASL mechanism %s", name, what, mechanism)
		lifetime, err := auth(ctx, c)
		switch {
		case err != nil:
			log.Debugf(logx.Security, "SASLAUTH", "%s: SASL %s %sion failed: %v", name, mechanism, what, err)
		case lifetime > 0:
			log.Debugf(logx.Security, "SASLAUTH", "%s: %sed with SASL %s; session lifetime %v, re-authenticating before it ends", name, what, mechanism, lifetime)
		default:
			log.Debugf(logx.Security, "SASLAUTH", "%s: %sed with SASL %s", name, what, mechanism)
		}
		return lifetime, err
	}
}

// tlsError turns a TLS configuration error into the producer's: a value
// Go's TLS cannot honour is not implemented, anything else invalid.
func tlsError(err error) error {
	if errors.Is(err, tlsconf.ErrUnsupported) {
		return wrapError(ErrNotImplemented, err, "%v", err)
	}
	return wrapError(ErrInvalidArg, err, "%v", err)
}

// mechanism returns the SASL mechanism connections authenticate with: the
// one WithSASLMechanism gave, or the built-in one sasl.mechanisms names.
func (p *Producer) mechanism() (sasl.Mechanism, error) {
	if p.opts.saslMechanism != nil {
		return p.opts.saslMechanism, nil
	}
	s := &p.cfg.sec
	switch s.mechanism {
	case "PLAIN":
		return sasl.Plain(p.credentials), nil
	case "SCRAM-SHA-256":
		return sasl.ScramSHA256(p.credentials), nil
	case "SCRAM-SHA-512":
		return sasl.ScramSHA512(p.credentials), nil
	case "OAUTHBEARER":
		m, err := newOAuthManager(p)
		if err != nil {
			return nil, err
		}
		p.oauth = m
		return sasl.OAuthBearer(m.current), nil
	}
	return nil, newError(ErrNotImplemented, "sasl.mechanisms=%s is not supported by kprod", s.mechanism)
}

// credentials returns the SASL user name and password for the next
// authentication: sasl.username and sasl.password, or what
// SetSaslCredentials set since.
func (p *Producer) credentials(context.Context) (sasl.Credentials, error) {
	if c := p.creds.Load(); c != nil {
		return *c, nil
	}
	return sasl.Credentials{Username: p.cfg.sec.username, Password: p.cfg.sec.password}, nil
}

// SetSaslCredentials sets the SASL PLAIN or SCRAM user name and password
// that connections authenticate with from now on, as librdkafka's
// rd_kafka_sasl_set_credentials: connections already authenticated keep
// their session until they re-authenticate (KIP-368) or reconnect. It
// fails with ErrInvalidArg when either is empty.
func (p *Producer) SetSaslCredentials(username, password string) error {
	if username == "" || password == "" {
		return newError(ErrInvalidArg, "SetSaslCredentials: username and password must not be empty")
	}
	p.creds.Store(&sasl.Credentials{Username: username, Password: password})
	p.reconnect()
	return nil
}

// reconnect lets connections that failed try again at once, not after
// their backoff, when what they authenticate with has changed.
func (p *Producer) reconnect() {
	if p.closed.Load() {
		return
	}
	p.snd.Redial()
	p.meta.trigger()
}

// connFailures turns connections that fail to set up into Error events:
// _SSL for a failed TLS handshake, _AUTHENTICATION for a refused SASL
// exchange, _TRANSPORT otherwise, each naming the broker and the reason.
// As librdkafka does (rkb_suppress.fail_error), the same failure of the
// same broker is told again only after 30 seconds, with how many times it
// came meanwhile, while a different one is told at once; the attempts
// themselves follow the reconnect backoff.
type connFailures struct {
	push func(Event)
	log  *logx.Logger // each failure told is logged at level 3, facility FAIL

	mu   sync.Mutex
	last map[string]*failureSeen // guarded by mu: by failure text
}

// failureSeen is when a failure was last told and how often it came since.
type failureSeen struct {
	told       time.Time
	suppressed int
}

// suppressFor is how long an identical failure is not told again.
const suppressFor = 30 * time.Second

func (f *connFailures) report(err *broker.ConnectError) {
	msg := err.Error()
	now := time.Now()
	f.mu.Lock()
	if f.last == nil {
		f.last = make(map[string]*failureSeen)
	}
	seen := f.last[msg]
	if seen != nil && now.Sub(seen.told) < suppressFor {
		seen.suppressed++
		f.mu.Unlock()
		return
	}
	for k, s := range f.last {
		if now.Sub(s.told) >= 2*suppressFor {
			delete(f.last, k)
		}
	}
	text := msg
	if seen != nil && seen.suppressed > 0 {
		text += fmt.Sprintf(" (%d identical error(s) suppressed)", seen.suppressed)
	}
	f.last[msg] = &failureSeen{told: now}
	f.mu.Unlock()
	f.log.Logf(logx.Err, "FAIL", "%s", text)
	f.push(wrapError(connectCode(err), err, "%s", text))
}

// connectCode is the librdkafka code of a connection that failed: a setup
// that ran out of time is _TRANSPORT whatever its step, as librdkafka's
// "Connection setup timed out"; otherwise _SSL for the TLS step,
// _AUTHENTICATION for SASL, _TRANSPORT for the rest.
func connectCode(err *broker.ConnectError) ErrorCode {
	if err.Timeout() {
		return ErrTransport
	}
	switch err.Step {
	case broker.StepTLS:
		return ErrSsl
	case broker.StepSASL, broker.StepReauth:
		return ErrAuthentication
	}
	return ErrTransport
}

// WithTLSConfig sets the TLS configuration of every broker connection, in
// place of the ssl.* properties, for a service that already holds one
// (with its own certificate reloading, say). security.protocol must be ssl
// or sasl_ssl. When cfg names no ServerName, each connection uses its
// broker's host name, for SNI and for checking the certificate. kprod
// clones cfg per connection and never changes it. Setting ssl.* properties
// as well is an error: they would be ignored.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(o *options) error {
		if cfg == nil {
			return newError(ErrInvalidArg, "WithTLSConfig: nil *tls.Config")
		}
		o.tlsConfig = cfg
		return nil
	}
}

// WithSASLMechanism sets the SASL mechanism connections authenticate with,
// in place of sasl.mechanisms: for mechanisms librdkafka does not have,
// such as AWS MSK IAM, written against the small sasl.Mechanism
// interface that the built-in mechanisms implement too.
// security.protocol must be sasl_plaintext or sasl_ssl.
func WithSASLMechanism(m sasl.Mechanism) Option {
	return func(o *options) error {
		if m == nil {
			return newError(ErrInvalidArg, "WithSASLMechanism: nil mechanism")
		}
		o.saslMechanism = m
		return nil
	}
}
