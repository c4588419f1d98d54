package kafka_test

import (
	"testing"
	"time"

	"github.com/kprod-go/kprod/kafka"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestSetSaslCredentialsAppliesToTheNextAuthentication(t *testing.T) {
	c := newCluster(t, kfake.EnableSASL(), kfake.Superuser("PLAIN", "svc", "right"))
	p := newProducer(t, c, kafka.ConfigMap{
		"security.protocol": "sasl_plaintext",
		"sasl.mechanisms":   "PLAIN",
		"sasl.username":     "svc",
		"sasl.password":     "wrong",
	})
	require.NoError(t, p.SetSaslCredentials("svc", "right"))
	dc := make(chan kafka.Event, 1)
	require.NoError(t, p.Produce(msg(testTopic, 0, "authenticated"), dc))
	m := reports(t, dc, 1, 20*time.Second)[0]
	require.NoError(t, m.TopicPartition.Error)
	require.Len(t, consume(t, c, testTopic, 1, saslPlain("svc", "right")), 1)
}

func TestOAuthBearerTokenRefreshComesOnEventsAndIsAnswered(t *testing.T) {
	p := newUnreachableProducer(t, kafka.ConfigMap{
		"security.protocol":       "sasl_plaintext",
		"sasl.mechanisms":         "OAUTHBEARER",
		"sasl.oauthbearer.config": "principal=svc",
	})
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-p.Events():
			r, ok := e.(kafka.OAuthBearerTokenRefresh)
			if !ok {
				continue // connection errors
			}
			require.Equal(t, "principal=svc", r.Config)
			var h kafka.Handle = p // as confluent-kafka-go's token handlers take it
			require.NoError(t, h.SetOAuthBearerToken(kafka.OAuthBearerToken{TokenValue: "a.b.c", Expiration: time.Now().Add(time.Hour), Principal: "svc"}))
			require.NoError(t, p.SetOAuthBearerTokenFailure("the identity provider is down"))
			err := p.SetOAuthBearerToken(kafka.OAuthBearerToken{TokenValue: "a.b.c", Expiration: time.Now().Add(-time.Hour), Principal: "svc"})
			require.Error(t, err)
			require.Equal(t, kafka.ErrInvalidArg, err.(kafka.Error).Code(), "an expired token")
			return
		case <-timeout:
			t.Fatal("no OAuthBearerTokenRefresh event")
		}
	}
}

// newUnreachableProducer returns a producer whose bootstrap server refuses
// connections, closed when the test ends.
func newUnreachableProducer(t *testing.T, conf kafka.ConfigMap) *kafka.Producer {
	t.Helper()
	conf["bootstrap.servers"] = "127.0.0.1:1"
	p, err := kafka.NewProducer(&conf)
	require.NoError(t, err)
	t.Cleanup(func() {
		p.Close()
		checkNoLeaks(t)
	})
	return p
}
