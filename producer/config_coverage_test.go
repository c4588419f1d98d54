package producer

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// librdkafkaProperties are the property names of librdkafka's
// CONFIGURATION.md (confluentinc/librdkafka master, commit 4c3b017c3de8),
// global and topic tables in their order, each with its C/P column: C a
// consumer property, P a producer one, * both.
var librdkafkaProperties = []struct{ name, scope string }{
	{"builtin.features", "*"}, {"client.id", "*"}, {"metadata.broker.list", "*"},
	{"bootstrap.servers", "*"}, {"message.max.bytes", "*"}, {"message.copy.max.bytes", "*"},
	{"receive.message.max.bytes", "*"}, {"max.in.flight.requests.per.connection", "*"},
	{"max.in.flight", "*"}, {"metadata.recovery.strategy", "*"},
	{"metadata.recovery.rebootstrap.trigger.ms", "*"}, {"topic.metadata.refresh.interval.ms", "*"},
	{"metadata.max.age.ms", "*"}, {"topic.metadata.refresh.fast.interval.ms", "*"},
	{"topic.metadata.refresh.fast.cnt", "*"}, {"topic.metadata.refresh.sparse", "*"},
	{"topic.metadata.propagation.max.ms", "*"}, {"topic.blacklist", "*"}, {"debug", "*"},
	{"socket.timeout.ms", "*"}, {"socket.blocking.max.ms", "*"}, {"socket.send.buffer.bytes", "*"},
	{"socket.receive.buffer.bytes", "*"}, {"socket.keepalive.enable", "*"},
	{"socket.nagle.disable", "*"}, {"socket.max.fails", "*"}, {"broker.address.ttl", "*"},
	{"broker.address.family", "*"}, {"socket.connection.setup.timeout.ms", "*"},
	{"connections.max.idle.ms", "*"}, {"reconnect.backoff.jitter.ms", "*"},
	{"reconnect.backoff.ms", "*"}, {"reconnect.backoff.max.ms", "*"}, {"statistics.interval.ms", "*"},
	{"enabled_events", "*"}, {"error_cb", "*"}, {"throttle_cb", "*"}, {"stats_cb", "*"},
	{"log_cb", "*"}, {"log_level", "*"}, {"log.queue", "*"}, {"log.thread.name", "*"},
	{"enable.random.seed", "*"}, {"log.connection.close", "*"}, {"background_event_cb", "*"},
	{"socket_cb", "*"}, {"connect_cb", "*"}, {"closesocket_cb", "*"}, {"open_cb", "*"},
	{"resolve_cb", "*"}, {"opaque", "*"}, {"default_topic_conf", "*"},
	{"internal.termination.signal", "*"}, {"api.version.request", "*"},
	{"api.version.request.timeout.ms", "*"}, {"api.version.fallback.ms", "*"},
	{"broker.version.fallback", "*"}, {"allow.auto.create.topics", "*"}, {"security.protocol", "*"},
	{"ssl.cipher.suites", "*"}, {"ssl.curves.list", "*"}, {"ssl.sigalgs.list", "*"},
	{"ssl.key.location", "*"}, {"ssl.key.password", "*"}, {"ssl.key.pem", "*"}, {"ssl_key", "*"},
	{"ssl.certificate.location", "*"}, {"ssl.certificate.pem", "*"}, {"ssl_certificate", "*"},
	{"ssl.ca.location", "*"}, {"https.ca.location", "*"}, {"https.ca.pem", "*"}, {"ssl.ca.pem", "*"},
	{"ssl_ca", "*"}, {"ssl.ca.certificate.stores", "*"}, {"ssl.crl.location", "*"},
	{"ssl.keystore.location", "*"}, {"ssl.keystore.password", "*"}, {"ssl.providers", "*"},
	{"ssl.engine.location", "*"}, {"ssl.engine.id", "*"}, {"ssl_engine_callback_data", "*"},
	{"enable.ssl.certificate.verification", "*"}, {"ssl.endpoint.identification.algorithm", "*"},
	{"ssl.certificate.verify_cb", "*"}, {"sasl.mechanisms", "*"}, {"sasl.mechanism", "*"},
	{"sasl.kerberos.service.name", "*"}, {"sasl.kerberos.principal", "*"},
	{"sasl.kerberos.kinit.cmd", "*"}, {"sasl.kerberos.keytab", "*"},
	{"sasl.kerberos.min.time.before.relogin", "*"}, {"sasl.username", "*"}, {"sasl.password", "*"},
	{"sasl.oauthbearer.config", "*"}, {"enable.sasl.oauthbearer.unsecure.jwt", "*"},
	{"oauthbearer_token_refresh_cb", "*"}, {"sasl.oauthbearer.method", "*"},
	{"sasl.oauthbearer.client.id", "*"}, {"sasl.oauthbearer.client.credentials.client.id", "*"},
	{"sasl.oauthbearer.client.credentials.client.secret", "*"},
	{"sasl.oauthbearer.client.secret", "*"}, {"sasl.oauthbearer.scope", "*"},
	{"sasl.oauthbearer.extensions", "*"}, {"sasl.oauthbearer.token.endpoint.url", "*"},
	{"sasl.oauthbearer.sub.claim.name", "*"}, {"sasl.oauthbearer.grant.type", "*"},
	{"sasl.oauthbearer.assertion.algorithm", "*"},
	{"sasl.oauthbearer.assertion.private.key.file", "*"},
	{"sasl.oauthbearer.assertion.private.key.passphrase", "*"},
	{"sasl.oauthbearer.assertion.private.key.pem", "*"}, {"sasl.oauthbearer.assertion.file", "*"},
	{"sasl.oauthbearer.assertion.claim.aud", "*"},
	{"sasl.oauthbearer.assertion.claim.exp.seconds", "*"},
	{"sasl.oauthbearer.assertion.claim.iss", "*"},
	{"sasl.oauthbearer.assertion.claim.jti.include", "*"},
	{"sasl.oauthbearer.assertion.claim.nbf.seconds", "*"},
	{"sasl.oauthbearer.assertion.claim.sub", "*"},
	{"sasl.oauthbearer.assertion.jwt.template.file", "*"},
	{"sasl.oauthbearer.metadata.authentication.type", "*"}, {"plugin.library.paths", "*"},
	{"interceptors", "*"}, {"group.id", "C"}, {"group.instance.id", "C"},
	{"partition.assignment.strategy", "C"}, {"session.timeout.ms", "C"},
	{"heartbeat.interval.ms", "C"}, {"group.protocol.type", "C"}, {"group.protocol", "C"},
	{"group.remote.assignor", "C"}, {"coordinator.query.interval.ms", "C"},
	{"max.poll.interval.ms", "C"}, {"enable.auto.commit", "C"}, {"auto.commit.interval.ms", "C"},
	{"enable.auto.offset.store", "C"}, {"queued.min.messages", "C"},
	{"queued.max.messages.kbytes", "C"}, {"fetch.wait.max.ms", "C"}, {"fetch.queue.backoff.ms", "C"},
	{"fetch.message.max.bytes", "C"}, {"max.partition.fetch.bytes", "C"}, {"fetch.max.bytes", "C"},
	{"fetch.min.bytes", "C"}, {"fetch.error.backoff.ms", "C"}, {"offset.store.method", "C"},
	{"isolation.level", "C"}, {"consume_cb", "C"}, {"rebalance_cb", "C"}, {"offset_commit_cb", "C"},
	{"enable.partition.eof", "C"}, {"check.crcs", "C"}, {"client.rack", "*"},
	{"max.poll.records", "C"}, {"share.acknowledgement.mode", "C"}, {"transactional.id", "P"},
	{"transaction.timeout.ms", "P"}, {"enable.idempotence", "P"}, {"enable.gapless.guarantee", "P"},
	{"queue.buffering.max.messages", "P"}, {"queue.buffering.max.kbytes", "P"},
	{"queue.buffering.max.ms", "P"}, {"linger.ms", "P"}, {"message.send.max.retries", "P"},
	{"retries", "P"}, {"retry.backoff.ms", "*"}, {"retry.backoff.max.ms", "*"},
	{"queue.buffering.backpressure.threshold", "P"}, {"compression.codec", "P"},
	{"compression.type", "P"}, {"batch.num.messages", "P"}, {"batch.size", "P"},
	{"delivery.report.only.error", "P"}, {"dr_cb", "P"}, {"dr_msg_cb", "P"},
	{"sticky.partitioning.linger.ms", "P"}, {"client.dns.lookup", "*"}, {"enable.metrics.push", "*"},
	{"request.required.acks", "P"}, {"acks", "P"}, {"request.timeout.ms", "P"},
	{"message.timeout.ms", "P"}, {"delivery.timeout.ms", "P"}, {"queuing.strategy", "P"},
	{"produce.offset.report", "P"}, {"partitioner", "P"}, {"partitioner_cb", "P"},
	{"msg_order_cmp", "P"}, {"compression.level", "P"}, {"auto.commit.enable", "C"},
	{"auto.offset.reset", "C"}, {"offset.store.path", "C"}, {"offset.store.sync.interval.ms", "C"},
	{"consume.callback.max.messages", "C"},
}

// confluentGoProperties are the keys confluent-kafka-go v2 reads from its
// ConfigMap itself, producer and consumer: go.* and default.topic.config.
// librdkafkaHidden are librdkafka properties that rd_kafka_conf_set takes
// but CONFIGURATION.md leaves out (_RK_HIDDEN in rdkafka_conf.c).
var librdkafkaHidden = []string{
	"client.software.name", "client.software.version", "metadata.request.timeout.ms",
	"enable.sparse.connections", "enable_sasl_queue", "test.mock.num.brokers", "test.mock.broker.rtt",
}

var confluentGoProperties = []string{
	"default.topic.config", "go.delivery.reports", "go.delivery.report.fields", "go.events.channel.size",
	"go.produce.channel.size", "go.logs.channel.enable", "go.logs.channel", "go.batch.producer",
	"go.application.rebalance.enable", "go.events.channel.enable",
}

// propClass is what New does with a property, for docs/config-coverage.md.
func (p *property) class() string {
	switch {
	case p.unsupported != "":
		return "refused"
	case p.ignored != "":
		return "ignored, with a warning"
	case p.noop != "":
		return "accepted, no effect"
	case p.only != "":
		return "implemented, " + p.only + " only"
	}
	return "implemented"
}

// reason is why p is in its class, for docs/config-coverage.md.
func (p *property) reason() string {
	r := p.reason0()
	if p.deprecated {
		r = strings.TrimSpace("Deprecated in librdkafka: New logs a warning when it is set. " + r)
	}
	return r
}

func (p *property) reason0() string {
	switch {
	case p.unsupported != "":
		return p.unsupported
	case p.ignored != "":
		return "New logs: Configuration property " + p.name + " " + p.ignored
	case p.noop != "":
		return p.noop
	}
	var parts []string
	if p.note != "" {
		parts = append(parts, p.note)
	}
	if p.only != "" && p.onlyWhy != "" {
		parts = append(parts, "Other values are refused: "+p.onlyWhy+".")
	}
	return strings.Join(parts, " ")
}

// acceptedValue returns a value New accepts for p: its default, or a
// sample when it has none.
func acceptedValue(p *property) any {
	switch {
	case p.kind == kindBrokers:
		return "localhost:9092"
	case p.kind == kindAny:
		return "x"
	case p.kind == kindTopicConf:
		return ConfigMap{"acks": 1}
	case p.only != "":
		return p.only
	}
	return p.def
}

func TestConfigCoverageOfLibrdkafkaProperties(t *testing.T) {
	names := slices.Clone(confluentGoProperties)
	for _, lp := range librdkafkaProperties {
		names = append(names, lp.name)
	}
	counts := map[string]int{}
	for _, name := range names {
		p := propertyIndex[name]
		if p == nil {
			t.Errorf("%s is unknown to kprod", name)
			continue
		}
		counts[p.class()]++
		switch class := p.class(); class {
		case "refused":
			t.Run(name+" is refused with the reason", func(t *testing.T) {
				e := parseError(t, withBroker(name, "x"))
				want := fmt.Sprintf("Configuration property %q is not supported by kprod yet: %s", name, p.unsupported)
				if e.Code() != ErrNotImplemented || e.Error() != want {
					t.Errorf("error = %v %q, want ErrNotImplemented %q", e.Code(), e.Error(), want)
				}
			})
		case "ignored, with a warning":
			t.Run(name+" is accepted with any value and one warning", func(t *testing.T) {
				for _, v := range []any{"x", 5, true} {
					m := withBroker(name, v)
					if name == "bootstrap.servers" {
						m = ConfigMap{name: v}
					}
					c := mustParse(t, m)
					want := []string{"Configuration property " + name + " " + p.ignored}
					if !slices.Equal(c.warnings, want) {
						t.Errorf("warnings = %q, want %q", c.warnings, want)
					}
					if got, ok := c.value(name); !ok || got != formatValue(v) {
						t.Errorf("value(%q) = %q, %v; want %q, true", name, got, ok, formatValue(v))
					}
				}
			})
		default:
			t.Run(name+" is accepted without a warning unless deprecated", func(t *testing.T) {
				if p.reason() == "" && p.class() != "implemented" {
					t.Errorf("class %q gives no reason", class)
				}
				m := withBroker(name, acceptedValue(p))
				if p.kind == kindBrokers {
					m = ConfigMap{name: acceptedValue(p)}
				}
				c := mustParse(t, m)
				var want []string
				if p.deprecated {
					want = []string{"Configuration property " + name + " is deprecated: " + p.deprecation()}
				}
				if !slices.Equal(c.warnings, want) {
					t.Errorf("warnings = %q, want %q", c.warnings, want)
				}
				if _, ok := c.value(name); !ok {
					t.Errorf("value(%q) not found", name)
				}
			})
		}
	}
	t.Logf("%d names: %v", len(names), counts)
}

// librdkafkaDeprecated are the properties CONFIGURATION.md marks
// DEPRECATED that kprod accepts; New warns of each one set.
var librdkafkaDeprecated = []string{
	"api.version.fallback.ms", "api.version.request", "broker.version.fallback", "produce.offset.report",
	"queuing.strategy", "reconnect.backoff.jitter.ms", "socket.blocking.max.ms", "topic.metadata.refresh.fast.cnt",
}

func TestConfigCoverageDeprecatedPropertiesAreMarked(t *testing.T) {
	var got []string
	for _, p := range properties {
		if p.deprecated {
			got = append(got, p.name)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, librdkafkaDeprecated) {
		t.Errorf("deprecated properties = %q, want %q", got, librdkafkaDeprecated)
	}
}

func TestConfigCoverageConsumerPropertiesAreIgnored(t *testing.T) {
	for _, lp := range librdkafkaProperties {
		p := propertyIndex[lp.name]
		if lp.scope != "C" || p == nil || strings.HasSuffix(lp.name, "_cb") {
			continue // callbacks are refused, as librdkafka refuses them through conf_set
		}
		if !strings.Contains(p.ignored, "consumer property") {
			t.Errorf("consumer property %s: class %q, want ignored as a consumer property", lp.name, p.class())
		}
	}
}

// coverageDoc is docs/config-coverage.md as the property table makes it.
func coverageDoc() string {
	var b strings.Builder
	b.WriteString(`# Configuration coverage

What ` + "`producer.New`" + ` (and so the ` + "`kafka`" + ` package) does with each property name of
librdkafka's CONFIGURATION.md (global and topic properties, producer and consumer), with
confluent-kafka-go's ` + "`go.*`" + ` keys and kprod's own extensions:

- **implemented**: kprod applies it; "X only" means any other value is refused with
  ErrNotImplemented and the reason given.
- **accepted, no effect**: validated like librdkafka validates it, and changes nothing in
  kprod, for the reason given.
- **ignored, with a warning**: any value is accepted, and New logs the warning given at
  level 4 (CONFWARN), once per property set.
- **refused**: New fails with ErrNotImplemented and the reason given.

An unknown name fails with ErrInvalidArg, suggesting the closest known names. Generated by
` + "`TestConfigCoverageDoc`" + ` in producer/config_coverage_test.go from the property table in
producer/config_props.go; run ` + "`KPROD_UPDATE_DOCS=1 go test ./producer -run TestConfigCoverageDoc`" + `
to rewrite it.

| Property | librdkafka | kprod | Reason |
|---|---|---|---|
`)
	row := func(name, scope string) {
		p := propertyIndex[name]
		class, reason := p.class(), p.reason()
		if name != p.name {
			reason = strings.TrimSpace("Alias of " + p.name + ". " + reason)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, scope, class, strings.ReplaceAll(reason, "|", "\\|"))
	}
	done := map[string]bool{}
	for _, lp := range librdkafkaProperties {
		row(lp.name, lp.scope)
		done[lp.name] = true
	}
	for _, name := range librdkafkaHidden {
		row(name, "* (hidden)")
		done[name] = true
	}
	for _, name := range confluentGoProperties {
		row(name, "confluent-kafka-go")
		done[name] = true
	}
	for _, p := range properties {
		for _, name := range append([]string{p.name}, p.aliases...) {
			if !done[name] {
				row(name, "kprod extension")
			}
		}
	}
	return b.String()
}

func TestConfigCoverageDoc(t *testing.T) {
	const path = "../docs/config-coverage.md"
	want := coverageDoc()
	if os.Getenv("KPROD_UPDATE_DOCS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is stale; run KPROD_UPDATE_DOCS=1 go test ./producer -run TestConfigCoverageDoc, or write:\n%s", path, want)
	}
}

func TestConfigDefaultTopicConfig(t *testing.T) {
	t.Run("its entries apply as top-level properties", func(t *testing.T) {
		c := mustParse(t, withBroker("default.topic.config", map[string]any{"acks": 1, "message.timeout.ms": 5000}))
		if c.snd.Acks != 1 || c.snd.MessageTimeout != 5*time.Second {
			t.Errorf("acks, message timeout = %d, %v; want 1, 5s", c.snd.Acks, c.snd.MessageTimeout)
		}
		if len(c.warnings) != 0 {
			t.Errorf("warnings = %q, want none", c.warnings)
		}
	})
	t.Run("it overrides the same property set at the top level under any name, with a warning", func(t *testing.T) {
		c := mustParse(t, withBroker("request.required.acks", 0, "linger.ms", 7,
			"default.topic.config", ConfigMap{"acks": "all"}))
		if c.snd.Acks != -1 || c.linger != 7*time.Millisecond {
			t.Errorf("acks, linger = %d, %v; want -1, 7ms", c.snd.Acks, c.linger)
		}
		want := []string{"Configuration property request.required.acks set in the top-level configuration is overridden by acks in default.topic.config"}
		if !slices.Equal(c.warnings, want) {
			t.Errorf("warnings = %q, want %q", c.warnings, want)
		}
	})
	t.Run("a map of another type with string keys is taken", func(t *testing.T) {
		type configValue any
		c := mustParse(t, withBroker("default.topic.config", map[string]configValue{"partitioner": "murmur2"}))
		if c.partitioner != "murmur2" {
			t.Errorf("partitioner = %q, want murmur2", c.partitioner)
		}
	})
	t.Run("its entries are checked like top-level ones", func(t *testing.T) {
		wantError(t, withBroker("default.topic.config", ConfigMap{"acks": 5000}), ErrInvalidArg,
			`Configuration property "acks" value 5000 is outside allowed range -1..1000`)
		wantError(t, withBroker("default.topic.config", ConfigMap{"ackz": 1}), ErrInvalidArg,
			`No such configuration property: "ackz" (did you mean acks?)`)
	})
	t.Run("a value that is not a map is refused", func(t *testing.T) {
		wantError(t, withBroker("default.topic.config", "acks=1"), ErrInvalidArg,
			`Invalid value type string for configuration property "default.topic.config": expected map of properties`)
	})
}
