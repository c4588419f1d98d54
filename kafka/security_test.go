package kafka_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kprod-go/kprod/kafka"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

func TestSetSaslCredentialsAppliesToTheNextAuthentication(t *testing.T) {
	// kfake directly: kprodtest's brokers do not authenticate clients.
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(3, testTopic),
		kfake.EnableSASL(), kfake.Superuser("PLAIN", "svc", "right"))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	p := newProducerAt(t, strings.Join(c.ListenAddrs(), ","), kafka.ConfigMap{
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
	require.Equal(t, []string{"authenticated"}, consumeSASL(t, c, "svc", "right"))
}

// consumeSASL reads every partition of testTopic from the start with kgo,
// authenticating with SASL PLAIN, until a record comes and then whatever
// else comes within a moment, so that duplicates show; it returns the
// values.
func consumeSASL(t *testing.T, c *kfake.Cluster, user, pass string) []string {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()),
		kgo.ConsumeTopics(testTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []string
	for len(out) == 0 && ctx.Err() == nil {
		for _, r := range cl.PollFetches(ctx).Records() {
			out = append(out, string(r.Value))
		}
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	for _, r := range cl.PollFetches(ctx2).Records() {
		out = append(out, string(r.Value))
	}
	return out
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
