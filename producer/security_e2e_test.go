package producer_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/testcert"
	"github.com/kprod-go/kprod/producer"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// secureCluster is a kfake cluster serving TLS and/or SASL, with what a
// client needs to reach it.
type secureCluster struct {
	*kfake.Cluster
	ca     *testcert.CA
	dir    string         // the test's files: CA, client certificate and key
	caFile string         // the CA certificate, PEM
	tls    *tls.Config    // for the independent consumer; nil without TLS
	sasl   sasl.Mechanism // for the independent consumer; nil without SASL
}

// SASL users of every secure cluster, one per mechanism.
var saslUsers = map[string][2]string{
	"PLAIN":         {"alice", "alice-secret"},
	"SCRAM-SHA-256": {"bob", "bob-secret"},
	"SCRAM-SHA-512": {"carol", "carol-secret"},
}

// newSecureCluster starts a one-broker cluster for protocol (librdkafka's
// security.protocol) with SASL mechanism mech, requiring client
// certificates when mutual is set.
func newSecureCluster(t *testing.T, protocol, mech string, mutual bool, extra ...kfake.Opt) *secureCluster {
	t.Helper()
	return newSecureClusterFor(t, testcert.Options{}, protocol, mech, mutual, extra...)
}

// newSecureClusterFor is newSecureCluster with the broker's certificate
// made as server says.
func newSecureClusterFor(t *testing.T, server testcert.Options, protocol, mech string, mutual bool, extra ...kfake.Opt) *secureCluster {
	t.Helper()
	sc := &secureCluster{ca: testcert.NewCA(t, "kprod test CA"), dir: t.TempDir()}
	sc.caFile = testcert.Write(t, sc.dir, "ca.pem", sc.ca.PEM)
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(3, testTopic)}
	if strings.HasSuffix(protocol, "ssl") {
		var clients *testcert.CA
		if mutual {
			clients = sc.ca
		}
		opts = append(opts, kfake.TLS(testcert.ServerTLS(sc.ca.Issue(t, "broker", server), clients)))
		sc.tls = &tls.Config{RootCAs: sc.ca.Pool, MinVersion: tls.VersionTLS12}
		if mutual {
			leaf := sc.ca.Issue(t, "verifier", testcert.Options{Client: true})
			sc.tls.Certificates = []tls.Certificate{leaf.TLS}
		}
	}
	if strings.HasPrefix(protocol, "sasl") {
		opts = append(opts, kfake.EnableSASL())
		for m, up := range saslUsers {
			opts = append(opts, kfake.Superuser(m, up[0], up[1]))
		}
		up := saslUsers[mech]
		switch mech {
		case "PLAIN":
			sc.sasl = plain.Auth{User: up[0], Pass: up[1]}.AsMechanism()
		case "SCRAM-SHA-256":
			sc.sasl = scram.Auth{User: up[0], Pass: up[1]}.AsSha256Mechanism()
		case "SCRAM-SHA-512":
			sc.sasl = scram.Auth{User: up[0], Pass: up[1]}.AsSha512Mechanism()
		}
	}
	c, err := kfake.NewCluster(append(opts, extra...)...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	sc.Cluster = c
	return sc
}

// config returns the ConfigMap a confluent-kafka-go service would write
// for the cluster.
func (sc *secureCluster) config(protocol, mech string) producer.ConfigMap {
	m := producer.ConfigMap{
		"bootstrap.servers": strings.Join(sc.ListenAddrs(), ","),
		"security.protocol": strings.ToUpper(protocol),
		"linger.ms":         1,
	}
	if sc.tls != nil {
		m["ssl.ca.location"] = sc.caFile
	}
	if sc.sasl != nil {
		up := saslUsers[mech]
		m["sasl.mechanisms"] = mech
		m["sasl.username"] = up[0]
		m["sasl.password"] = up[1]
	}
	return m
}

// clientCert writes a client certificate and key for mutual TLS and adds
// them to m.
func (sc *secureCluster) clientCert(t *testing.T, m producer.ConfigMap, o testcert.Options) {
	t.Helper()
	o.Client = true
	leaf := sc.ca.Issue(t, "kprod-client", o)
	m["ssl.certificate.location"] = testcert.Write(t, sc.dir, "client.pem", leaf.CertPEM)
	m["ssl.key.location"] = testcert.Write(t, sc.dir, "client.key", leaf.KeyPEM)
}

// consume reads n records of topic with an independent client (kgo)
// speaking the cluster's TLS and SASL, and whatever else comes within a
// moment.
func (sc *secureCluster) consume(t *testing.T, topic string, n int) []*kgo.Record {
	t.Helper()
	opts := []kgo.Opt{
		kgo.SeedBrokers(sc.ListenAddrs()...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100 * time.Millisecond),
	}
	if sc.tls != nil {
		opts = append(opts, kgo.DialTLSConfig(sc.tls.Clone()))
	}
	if sc.sasl != nil {
		opts = append(opts, kgo.SASL(sc.sasl))
	}
	cl, err := kgo.NewClient(opts...)
	require.NoError(t, err)
	defer cl.Close()
	return consumeWith(t, cl, topic, n)
}

// produceAndCheck produces n messages, checks that each is reported
// delivered once, and reads them back with the independent consumer.
func produceAndCheck(t *testing.T, sc *secureCluster, p *producer.Producer, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Key: keyFor(i), Value: []byte(fmt.Sprintf("secure-%d", i))}, nil))
	}
	for _, m := range pollReports(t, p, n, 20*time.Second) {
		require.NoError(t, m.Err, "delivery report")
		require.Equal(t, producer.Persisted, m.Status)
	}
	requireNoMoreReports(t, p)
	recs := sc.consume(t, testTopic, n)
	got := make(map[string]int)
	for _, r := range recs {
		got[string(r.Value)]++
	}
	for i := range n {
		require.Equal(t, 1, got[fmt.Sprintf("secure-%d", i)], "record secure-%d read back", i)
	}
}

func TestEveryProtocolAndMechanismRoundTripsMessages(t *testing.T) {
	cases := []struct {
		protocol, mech string
		mutual         bool
	}{
		{"plaintext", "", false},
		{"ssl", "", false},
		{"ssl", "", true},
		{"sasl_plaintext", "PLAIN", false},
		{"sasl_plaintext", "SCRAM-SHA-256", false},
		{"sasl_plaintext", "SCRAM-SHA-512", false},
		{"sasl_ssl", "PLAIN", false},
		{"sasl_ssl", "SCRAM-SHA-256", false},
		{"sasl_ssl", "SCRAM-SHA-512", true},
	}
	for _, tc := range cases {
		name := tc.protocol
		if tc.mech != "" {
			name += " with " + tc.mech
		}
		if tc.mutual {
			name += " and a client certificate"
		}
		t.Run(name, func(t *testing.T) {
			sc := newSecureCluster(t, tc.protocol, tc.mech, tc.mutual)
			conf := sc.config(tc.protocol, tc.mech)
			if tc.mutual {
				sc.clientCert(t, conf, testcert.Options{})
			}
			p := newSecureProducer(t, conf)
			produceAndCheck(t, sc, p, 50)
		})
	}
}

// newSecureProducer returns a producer for conf, closed when the test
// ends, checking that Close returns promptly and leaves nothing running.
func newSecureProducer(t *testing.T, conf producer.ConfigMap, opts ...producer.Option) *producer.Producer {
	t.Helper()
	p, err := producer.New(conf, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		start := time.Now()
		p.Close()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Close took %v", d)
		}
		checkNoLeaks(t)
	})
	return p
}

// awaitError polls p until an Error event with code comes, and returns it.
func awaitError(t *testing.T, p *producer.Producer, code producer.ErrorCode, within time.Duration) producer.Error {
	t.Helper()
	deadline := time.Now().Add(within)
	var seen []string
	for time.Now().Before(deadline) {
		switch e := p.Poll(100 * time.Millisecond).(type) {
		case producer.Error:
			if e.Code() == code {
				return e
			}
			seen = append(seen, e.Error())
		case *producer.Message:
			t.Fatalf("unexpected delivery report before the error: %v", e)
		}
	}
	t.Fatalf("no %v error event within %v; saw %q", code, within, seen)
	return producer.Error{}
}

func TestSecurityFailuresAreToldAndNothingHangs(t *testing.T) {
	cases := []struct {
		name     string
		protocol string
		mech     string
		mutual   bool
		server   testcert.Options // the broker's certificate
		edit     func(t *testing.T, sc *secureCluster, m producer.ConfigMap)
		code     producer.ErrorCode
		says     string
	}{
		{name: "a wrong password", protocol: "sasl_plaintext", mech: "PLAIN",
			edit: func(_ *testing.T, _ *secureCluster, m producer.ConfigMap) { m["sasl.password"] = "not-the-password" },
			code: producer.ErrAuthentication, says: "SASL authentication"},
		{name: "an unknown user", protocol: "sasl_ssl", mech: "SCRAM-SHA-256",
			edit: func(_ *testing.T, _ *secureCluster, m producer.ConfigMap) { m["sasl.username"] = "mallory" },
			code: producer.ErrAuthentication, says: "SASL authentication"},
		{name: "an untrusted CA", protocol: "ssl",
			edit: func(t *testing.T, sc *secureCluster, m producer.ConfigMap) {
				other := testcert.NewCA(t, "another CA")
				m["ssl.ca.location"] = testcert.Write(t, sc.dir, "other-ca.pem", other.PEM)
			},
			code: producer.ErrSsl, says: "certificate signed by unknown authority"},
		{name: "a wrong host name", protocol: "ssl", server: testcert.Options{DNSNames: []string{"broker.example"}},
			edit: func(t *testing.T, sc *secureCluster, m producer.ConfigMap) {
				m["bootstrap.servers"] = strings.Replace(sc.ListenAddrs()[0], "127.0.0.1", "localhost", 1)
			},
			code: producer.ErrSsl, says: "not localhost"},
		{name: "an expired client certificate", protocol: "ssl", mutual: true,
			edit: func(t *testing.T, sc *secureCluster, m producer.ConfigMap) {
				sc.clientCert(t, m, testcert.Options{Expired: true})
			},
			code: producer.ErrSsl, says: "certificate"},
		{name: "a plaintext client against a TLS listener", protocol: "ssl",
			edit: func(_ *testing.T, _ *secureCluster, m producer.ConfigMap) {
				m["security.protocol"] = "plaintext"
				delete(m, "ssl.ca.location")
			},
			code: producer.ErrTransport, says: "security.protocol"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" ends in a clear error event", func(t *testing.T) {
			sc := newSecureClusterFor(t, tc.server, tc.protocol, tc.mech, tc.mutual)
			conf := sc.config(tc.protocol, tc.mech)
			conf["message.timeout.ms"] = 3000
			tc.edit(t, sc, conf)
			p := newSecureProducer(t, conf)
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("never")}, nil))
			start := time.Now()
			e := awaitError(t, p, tc.code, 10*time.Second)
			t.Logf("after %v: %v", time.Since(start).Round(time.Millisecond), e)
			require.Contains(t, e.Error(), tc.says)
			require.NotContains(t, e.Error(), "secret", "no password in the error")

			// The message waits, then times out as _MSG_TIMED_OUT, and
			// Flush returns within its timeout.
			fstart := time.Now()
			left := p.Flush(5 * time.Second)
			require.Less(t, time.Since(fstart), 6*time.Second, "Flush returned late")
			require.Equal(t, 0, left, "messages left after Flush")
			var report *producer.Message
			for report == nil {
				switch ev := p.Poll(time.Second).(type) {
				case *producer.Message:
					report = ev
				case nil:
					t.Fatal("no delivery report after Flush")
				}
			}
			require.ErrorIs(t, report.Err, producer.ErrMsgTimedOut)
		})
	}
}

func TestSASLReauthenticatesBeforeTheSessionEnds(t *testing.T) {
	sc := newSecureCluster(t, "sasl_ssl", "SCRAM-SHA-512", false,
		kfake.BrokerConfigs(map[string]string{"connections.max.reauth.ms": "600"}))
	var handshakes atomic.Int64
	sc.ControlKey(int16(kmsg.SASLHandshake), func(kmsg.Request) (kmsg.Response, error, bool) {
		sc.KeepControl()
		handshakes.Add(1)
		return nil, nil, false
	})
	p := newSecureProducer(t, sc.config("sasl_ssl", "SCRAM-SHA-512"))
	// Keep producing across several session lifetimes: every message is
	// delivered, and the connections re-authenticate rather than fail.
	const rounds, perRound = 10, 20
	for r := range rounds {
		for i := range perRound {
			require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte(fmt.Sprintf("secure-%d", r*perRound+i))}, nil))
		}
		for _, m := range pollReports(t, p, perRound, 10*time.Second) {
			require.NoError(t, m.Err)
		}
		time.Sleep(200 * time.Millisecond) // spreads the traffic over the sessions' lifetimes; not synchronisation
	}
	// Two connections (metadata and produce) authenticate at start; each
	// re-authenticates every 510-570 ms over the ~2.5 s above.
	require.GreaterOrEqual(t, handshakes.Load(), int64(6), "SaslHandshakes seen")
	recs := sc.consume(t, testTopic, rounds*perRound)
	require.Len(t, recs, rounds*perRound)
}

func TestSetSaslCredentialsTakesEffectOnTheNextAuthentication(t *testing.T) {
	sc := newSecureCluster(t, "sasl_plaintext", "PLAIN", false)
	conf := sc.config("sasl_plaintext", "PLAIN")
	conf["sasl.password"] = "stale-password"
	p := newSecureProducer(t, conf)
	require.NoError(t, p.Produce(&producer.Message{Topic: testTopic, Value: []byte("secure-0")}, nil))
	awaitError(t, p, producer.ErrAuthentication, 10*time.Second)

	err := p.SetSaslCredentials("alice", "")
	require.True(t, errors.Is(err, producer.ErrInvalidArg), "empty password: got %v", err)
	require.NoError(t, p.SetSaslCredentials("alice", "alice-secret"))
	for _, m := range pollReports(t, p, 1, 20*time.Second) {
		require.NoError(t, m.Err)
	}
	require.Len(t, sc.consume(t, testTopic, 1), 1)
}
