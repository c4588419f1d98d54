package producer_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/producer"
	"github.com/kprod-go/kprod/producer/sasl"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// staticMechanism is a custom mechanism for WithSASLMechanism: PLAIN with
// fixed credentials, written against the public interface only.
type staticMechanism struct{ user, pass string }

func (staticMechanism) Name() string { return "PLAIN" }
func (m staticMechanism) Authenticate(context.Context, string) (sasl.Session, []byte, error) {
	return staticSession{}, []byte("\x00" + m.user + "\x00" + m.pass), nil
}

type staticSession struct{}

func (staticSession) Challenge([]byte) (bool, []byte, error) { return true, nil, nil }

func TestSecurityConfigurationErrorsNameWhatIsWrong(t *testing.T) {
	base := func(kv ...any) producer.ConfigMap {
		m := producer.ConfigMap{"bootstrap.servers": "localhost:9092"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		conf producer.ConfigMap
		opts []producer.Option
		code producer.ErrorCode
		says string
	}{
		{"a SASL protocol with librdkafka's default mechanism GSSAPI is not implemented",
			base("security.protocol", "SASL_SSL"), nil,
			producer.ErrNotImplemented, "GSSAPI"},
		{"PLAIN without a password is invalid",
			base("security.protocol", "sasl_plaintext", "sasl.mechanisms", "PLAIN", "sasl.username", "u"), nil,
			producer.ErrInvalidArg, "sasl.username and sasl.password must be set"},
		{"OIDC without a client id is invalid",
			base("security.protocol", "sasl_ssl", "sasl.mechanism", "OAUTHBEARER", "sasl.oauthbearer.method", "oidc",
				"sasl.oauthbearer.client.secret", "s", "sasl.oauthbearer.token.endpoint.url", "https://idp/token"), nil,
			producer.ErrInvalidArg, "`sasl.oauthbearer.client.id` is mandatory"},
		{"OIDC with unsecured JWTs is a conflict",
			base("security.protocol", "sasl_ssl", "sasl.mechanism", "OAUTHBEARER", "sasl.oauthbearer.method", "oidc",
				"enable.sasl.oauthbearer.unsecure.jwt", true), nil,
			producer.ErrInvalidArg, "mutually exclusive"},
		{"an unsecured JWT configuration without a principal is invalid",
			base("security.protocol", "sasl_plaintext", "sasl.mechanism", "OAUTHBEARER",
				"enable.sasl.oauthbearer.unsecure.jwt", true, "sasl.oauthbearer.config", "scope=x"), nil,
			producer.ErrInvalidArg, "sasl.oauthbearer.config"},
		{"a CA file that does not exist is invalid",
			base("security.protocol", "ssl", "ssl.ca.location", "/nonexistent/ca.pem"), nil,
			producer.ErrInvalidArg, "ssl.ca.location"},
		{"signature algorithms Go cannot restrict are not implemented",
			base("security.protocol", "ssl", "ssl.sigalgs.list", "RSA-PSS+SHA256"), nil,
			producer.ErrNotImplemented, "ssl.sigalgs.list"},
		{"an OpenSSL cipher keyword is not implemented",
			base("security.protocol", "ssl", "ssl.cipher.suites", "HIGH:!aNULL"), nil,
			producer.ErrNotImplemented, "ssl.cipher.suites"},
		{"WithTLSConfig needs a TLS protocol",
			base(), []producer.Option{producer.WithTLSConfig(&tls.Config{})},
			producer.ErrInvalidArg, "WithTLSConfig needs security.protocol ssl or sasl_ssl"},
		{"WithTLSConfig with ssl properties is a conflict",
			base("security.protocol", "ssl", "ssl.ca.location", "/etc/ca.pem"), []producer.Option{producer.WithTLSConfig(&tls.Config{})},
			producer.ErrInvalidArg, `"ssl.ca.location" is ignored with WithTLSConfig`},
		{"WithSASLMechanism needs a SASL protocol",
			base("security.protocol", "ssl"), []producer.Option{producer.WithSASLMechanism(staticMechanism{})},
			producer.ErrInvalidArg, "WithSASLMechanism needs security.protocol sasl_plaintext or sasl_ssl"},
		{"an unknown mechanism is invalid",
			base("security.protocol", "sasl_ssl", "sasl.mechanisms", "AWS_MSK_IAM"), nil,
			producer.ErrInvalidArg, `"sasl.mechanisms"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := producer.New(tc.conf, tc.opts...)
			if p != nil {
				p.Close()
			}
			var perr producer.Error
			require.True(t, errors.As(err, &perr), "got %v, want a producer.Error", err)
			require.Equal(t, tc.code, perr.Code(), "error %q", err)
			require.Contains(t, err.Error(), tc.says)
		})
	}
	checkNoLeaks(t)
}

func TestSecretsNeverAppearInErrors(t *testing.T) {
	const secret = "hunter2-SECRET"
	confs := []producer.ConfigMap{
		{"bootstrap.servers": "localhost:9092", "security.protocol": "sasl_ssl", "sasl.mechanisms": "PLAIN", "sasl.password": secret},
		{"bootstrap.servers": "localhost:9092", "security.protocol": "ssl", "ssl.key.password": secret, "ssl.key.pem": "not a key"},
		{"bootstrap.servers": "localhost:9092", "security.protocol": "ssl", "ssl.keystore.location": "/nonexistent.p12", "ssl.keystore.password": secret},
		{"bootstrap.servers": "localhost:9092", "security.protocol": "sasl_ssl", "sasl.mechanisms": "OAUTHBEARER",
			"sasl.oauthbearer.method": "oidc", "sasl.oauthbearer.client.id": "id", "sasl.oauthbearer.client.secret": secret,
			"sasl.oauthbearer.token.endpoint.url": "ftp://idp"},
	}
	for i, conf := range confs {
		p, err := producer.New(conf)
		if p != nil {
			p.Close()
		}
		require.Error(t, err, "configuration %d", i)
		for _, form := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			require.NotContains(t, fmt.Sprintf(form, err), secret, "configuration %d, %s", i, form)
		}
	}
}

func TestCustomMechanismAuthenticates(t *testing.T) {
	sc := newSecureCluster(t, "sasl_plaintext", "PLAIN", false)
	conf := sc.config("sasl_plaintext", "PLAIN")
	delete(conf, "sasl.mechanisms")
	delete(conf, "sasl.username")
	delete(conf, "sasl.password")
	up := saslUsers["PLAIN"]
	p := newSecureProducer(t, conf, producer.WithSASLMechanism(staticMechanism{up[0], up[1]}))
	produceAndCheck(t, sc, p, 10)
}

func TestWithTLSConfigConnects(t *testing.T) {
	sc := newSecureCluster(t, "ssl", "", false)
	conf := sc.config("ssl", "")
	delete(conf, "ssl.ca.location")
	p := newSecureProducer(t, conf, producer.WithTLSConfig(&tls.Config{RootCAs: sc.ca.Pool, MinVersion: tls.VersionTLS12}))
	produceAndCheck(t, sc, p, 10)
}

func TestWithNoBrokerMessagesTimeOutRatherThanFailAsUnknownTopics(t *testing.T) {
	refused := func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("connection refused") }
	p, err := producer.New(producer.ConfigMap{
		"bootstrap.servers":                 "localhost:9092",
		"message.timeout.ms":                1000,
		"topic.metadata.propagation.max.ms": 100,
		"linger.ms":                         0,
	}, producer.WithDialer(refused))
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.Produce(&producer.Message{Topic: "nowhere", Value: []byte("x")}, nil))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m, ok := p.Poll(100 * time.Millisecond).(*producer.Message); ok {
			require.ErrorIs(t, m.Err, producer.ErrMsgTimedOut, "no metadata at all is no proof the topic is unknown")
			return
		}
	}
	t.Fatal("no delivery report within 5 s")
}

func TestATopicBeingCreatedAfterItWasUnknownWaitsRatherThanFailsAsUnknown(t *testing.T) {
	c := newCluster(t, kfake.NumBrokers(1))
	var answers atomic.Int32
	c.ControlKey(int16(kmsg.Metadata), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.MetadataRequest)
		if len(req.Topics) == 0 || req.Topics[0].Topic == nil || *req.Topics[0].Topic != "creating" {
			return nil, nil, false
		}
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		host, port, _ := net.SplitHostPort(c.ListenAddrs()[0])
		p, _ := strconv.Atoi(port)
		resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: 0, Host: host, Port: int32(p)}}
		resp.ControllerID = 0
		t := kmsg.NewMetadataResponseTopic()
		t.Topic = req.Topics[0].Topic
		t.ErrorCode = 5 // LEADER_NOT_AVAILABLE: being created
		if answers.Add(1) == 1 {
			t.ErrorCode = 3 // UNKNOWN_TOPIC_OR_PARTITION, once
		}
		resp.Topics = append(resp.Topics, t)
		return resp, nil, true
	})
	p := newProducer(t, c, producer.ConfigMap{
		"message.timeout.ms": 1500, "topic.metadata.propagation.max.ms": 500, "allow.auto.create.topics": false,
	})
	require.NoError(t, p.Produce(&producer.Message{Topic: "creating", Value: []byte("x")}, nil))
	m := pollReports(t, p, 1, 5*time.Second)[0]
	require.Greater(t, answers.Load(), int32(1), "metadata asked more than once")
	require.ErrorIs(t, m.Err, producer.ErrMsgTimedOut, "the last answer said the topic is being created")
}
