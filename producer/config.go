package producer

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kprod-go/kprod/internal/logx"
	"github.com/kprod-go/kprod/internal/sender"
)

// ConfigMap is a producer configuration keyed by librdkafka property names,
// as confluent-kafka-go's kafka.ConfigMap: the names, aliases, defaults and
// ranges are librdkafka's (CONFIGURATION.md), so a configuration written for
// librdkafka or confluent-kafka-go works unchanged as far as kprod
// implements it. New parses the map once; it does not keep or watch it.
//
// A value may be a string as in a properties file ("5", "true", "all",
// "1.5"), a Go integer of any width, a bool, a float32 or float64 (for an
// integer property it must be integral), or, for a property in milliseconds
// (a *.ms name), a time.Duration: a whole number of milliseconds, except for
// linger.ms, which keeps sub-millisecond precision. Booleans also accept
// "t", "f", "1", "0" and the integers 0 and 1.
//
// New fails with ErrInvalidArg, in a message naming the property, for an
// unknown name ("No such configuration property", with the closest known
// names), a nil value, a value of
// the wrong type, an unparsable value, a value out of range, a property set
// under two of its names (such as linger.ms and queue.buffering.max.ms), or
// a conflict between properties, which uses librdkafka's wording. When
// several keys are wrong, the error is about the first in sorted order.
//
// Supported properties, with the kind of value, the allowed range and the
// default (those that change nothing in kprod say why):
//
//   - bootstrap.servers (alias metadata.broker.list): comma-separated host[:port]; default none, required. A missing port is 9092; IPv6 hosts go in brackets.
//   - client.id: string; default rdkafka.
//   - acks (alias request.required.acks): integer -1..1000 or all (-1); default -1.
//   - enable.idempotence: bool; default false.
//   - enable.gapless.guarantee: bool; default false. Requires enable.idempotence.
//   - transactional.id: string; default empty. Makes the producer transactional, which turns enable.idempotence on; empty means not transactional.
//   - transaction.timeout.ms: 1000..2147483647 ms; default 60000. The coordinator aborts a transaction open longer than this.
//   - max.in.flight.requests.per.connection (alias max.in.flight): integer 1..1000000; default 1000000. At most 5 with idempotence; 5 when unset.
//   - linger.ms (alias queue.buffering.max.ms): 0..900000 ms, fractions allowed; default 5.
//   - batch.size: integer 1..2147483647; default 1000000.
//   - batch.num.messages: integer 1..1000000; default 10000.
//   - queue.buffering.max.messages: integer 0..2147483647; default 100000. 0 means no limit.
//   - queue.buffering.max.kbytes: integer 1..2147483647; default 1048576.
//   - queue.buffering.backpressure.threshold: integer 1..1000000 (kprod implements only 1); default 1. Must be 1 with idempotence.
//   - message.max.bytes: integer 1000..1000000000; default 1000000.
//   - retries (alias message.send.max.retries): integer 0..2147483647; default 2147483647. At least 1 with idempotence.
//   - retry.backoff.ms: 1..300000 ms; default 100.
//   - retry.backoff.max.ms: 1..300000 ms; default 1000. Below retry.backoff.ms it makes the backoff a constant retry.backoff.max.ms.
//   - request.timeout.ms: 1..900000 ms; default 30000.
//   - delivery.timeout.ms (alias message.timeout.ms): 0..2147483647 ms; default 300000. 0 means no timeout; otherwise it must exceed linger.ms. With transactional.id: at most transaction.timeout.ms, and transaction.timeout.ms when unset.
//   - socket.timeout.ms: 10..300000 ms; default 60000. With transactional.id: at most transaction.timeout.ms + 100, and transaction.timeout.ms - 100 (at least 900) when unset.
//   - socket.connection.setup.timeout.ms: 1000..2147483647 ms; default 30000.
//   - socket.keepalive.enable: bool; default false.
//   - receive.message.max.bytes: integer 1000..2147483647; default 100000000. A larger response from a broker is refused as a protocol error.
//   - socket.max.fails: integer 0..1000000 (kprod implements only 1); default 1. kprod closes a connection at its first failed or timed-out request.
//   - reconnect.backoff.ms: 0..3600000 ms; default 100.
//   - reconnect.backoff.max.ms: 0..3600000 ms; default 10000. Must be at least reconnect.backoff.ms.
//   - topic.metadata.refresh.interval.ms: -1..3600000 ms; default 300000. -1 turns the periodic refresh off.
//   - metadata.max.age.ms: 1..86400000 ms; default 3 × topic.metadata.refresh.interval.ms when that is > 0, else 900000. Metadata older than this is stale: the producer refreshes at least this often, even with the periodic refresh off.
//   - topic.metadata.refresh.fast.interval.ms: 1..60000 ms; default retry.backoff.ms.
//   - topic.metadata.propagation.max.ms: 0..3600000 ms; default 30000.
//   - allow.auto.create.topics: bool; default true. librdkafka documents false, the consumer's default; a producer's is true.
//   - partitioner: one of random, consistent, consistent_random, murmur2, murmur2_random, fnv1a, fnv1a_random, murmur3, murmur3_random, uniform_sticky; default consistent_random. murmur3, murmur3_random and uniform_sticky are kprod extensions.
//   - sticky.partitioning.linger.ms: 0..900000 ms; default 2 × linger.ms in whole ms, at most 900000. 0 turns stickiness off.
//   - partitioner.adaptive.partitioning.enable: bool; default true. kprod extension (Java's name), for uniform_sticky.
//   - partitioner.ignore.keys: bool; default false. kprod extension (Java's name), for uniform_sticky.
//   - compression.type (alias compression.codec): one of none, gzip, snappy, lz4, zstd; default none.
//   - compression.level: integer -1..12; default -1. -1 is the codec's default.
//   - delivery.report.only.error: bool; default false. Unlike confluent-kafka-go, kprod accepts true.
//   - go.delivery.reports: bool; default true. confluent-kafka-go's key; false means no delivery reports at all.
//   - debug: comma-separated generic, broker, topic, metadata, feature, queue, msg, protocol, cgrp, security, fetch, interceptor, plugin, consumer, admin, eos, mock, assignor, conf, telemetry, all; default empty. Any context sets log_level to 7; kprod logs in generic, broker, topic, metadata, queue, msg, protocol, security and eos.
//   - log_level: integer 0..7; default 6. Syslog level: lines at this level or below are logged (see WithLogger).
//   - go.logs.channel.enable: bool; default false. confluent-kafka-go's key: log lines go to Producer.Logs.
//   - go.logs.channel: chan LogEvent; default none. confluent-kafka-go's key: the channel Logs returns, used only with go.logs.channel.enable=true; Close does not close it.
//   - security.protocol: one of plaintext, ssl, sasl_plaintext, sasl_ssl; default plaintext.
//   - statistics.interval.ms: 0..86400000 ms; default 0. 0 turns statistics off; otherwise a *Stats event comes from Poll at each interval.
//   - queuing.strategy: one of fifo, lifo (kprod implements only fifo); default fifo. Deprecated in librdkafka: New logs a warning when it is set.
//   - produce.offset.report: bool; default false. No effect: librdkafka no longer uses it. Deprecated in librdkafka: New logs a warning when it is set.
//   - builtin.features: comma-separated gzip, snappy, ssl, sasl, regex, lz4, sasl_plain, sasl_scram, zstd, sasl_oauthbearer, http, oidc; default gzip,snappy,ssl,sasl,regex,lz4,sasl_plain,sasl_scram,zstd,sasl_oauthbearer,http,oidc. Setting it checks that kprod has each feature listed: sasl_gssapi and plugins are invalid values, as in a librdkafka built without them.
//   - metadata.recovery.strategy: one of none, rebootstrap (kprod implements only rebootstrap); default rebootstrap. kprod turns to the bootstrap servers whenever no broker from the metadata answers.
//   - metadata.recovery.rebootstrap.trigger.ms: 0..2147483647 ms; default 300000. No effect: kprod tries the bootstrap servers as soon as no known broker answers, without waiting this long.
//   - topic.metadata.refresh.fast.cnt: integer 0..1000; default 10. No effect: librdkafka no longer uses it. Deprecated in librdkafka: New logs a warning when it is set.
//   - topic.metadata.refresh.sparse: bool (kprod implements only true); default true. kprod asks only for the topics it produces to.
//   - log.connection.close: bool; default true. No effect: kprod logs a closed connection only with debug broker, at level 7.
//   - client.rack: string; default empty. No effect: Consumers use it to fetch from the nearest replica; a producer has nothing to send it in, in librdkafka too.
//   - enable.metrics.push: bool; default true. No effect: kprod does not push client metrics to the broker (KIP-714); a broker that asks gets none, as with false.
//   - socket.nagle.disable: bool; default true. librdkafka's default is false; kprod keeps Go's, Nagle's algorithm off, unless set to false.
//   - socket.send.buffer.bytes: integer 0..100000000; default 0. 0 leaves the system's size.
//   - socket.receive.buffer.bytes: integer 0..100000000; default 0. 0 leaves the system's size.
//   - broker.address.family: one of any, v4, v6; default any. v4 or v6 dials only addresses of that family.
//   - client.software.name: string; default kprod. No effect: kprod names itself kprod in the ApiVersions requests that carry a name.
//   - client.software.version: string; default kprod's version. No effect: kprod sends its own version in the ApiVersions requests that carry one.
//   - metadata.request.timeout.ms: 10..900000 ms; default 10. No effect: librdkafka does not use it either; socket.timeout.ms bounds a metadata request.
//   - enable.sparse.connections: bool; default true. No effect: kprod connects to a broker only when it has something to send it, as with true.
//   - message.copy.max.bytes: integer 0..1000000000; default 65535. No effect: kprod copies each payload once, into its batch, whatever its size.
//   - broker.address.ttl: 0..86400000 ms; default 1000. No effect: kprod resolves a broker's name at each connection attempt and caches no address.
//   - client.dns.lookup: one of use_all_dns_ips, resolve_canonical_bootstrap_servers_only (kprod implements only use_all_dns_ips); default use_all_dns_ips. Go's dialer tries each address a name resolves to.
//   - connections.max.idle.ms: 0..2147483647 ms; default 0, or 230000 when bootstrap.servers names an azure host. 0 keeps idle connections open; kprod reconnects when it next needs one. Unlike librdkafka, no jitter.
//   - api.version.request: bool (kprod implements only true); default true. kprod always asks a broker for its request versions. Deprecated in librdkafka: New logs a warning when it is set.
//   - api.version.request.timeout.ms: 1..300000 ms; default 10000. socket.connection.setup.timeout.ms bounds it too.
//   - api.version.fallback.ms: 0..604800000 ms; default 0. No effect: librdkafka uses it only when ApiVersions fails; kprod needs brokers that answer it. Deprecated in librdkafka: New logs a warning when it is set.
//   - broker.version.fallback: string; default 0.10.0. No effect: librdkafka uses it only when ApiVersions is not asked for or fails; kprod needs brokers that answer it. Deprecated in librdkafka: New logs a warning when it is set.
//   - socket.blocking.max.ms: 1..60000 ms; default 1000. No effect: librdkafka no longer uses it. Deprecated in librdkafka: New logs a warning when it is set.
//   - reconnect.backoff.jitter.ms: 0..3600000 ms; default 0. No effect: librdkafka no longer uses it: reconnect.backoff.ms and reconnect.backoff.max.ms rule. Deprecated in librdkafka: New logs a warning when it is set.
//   - ssl.ca.location: string; default system roots. A PEM file or a directory of them; probe means the system roots.
//   - ssl.ca.pem: string; default empty. PEM certificates.
//   - ssl.certificate.location: string; default empty. PEM file; with a key, for mutual TLS.
//   - ssl.certificate.pem: string; default empty.
//   - ssl.key.location: string; default empty. PEM file, encrypted or not.
//   - ssl.key.pem: string; default empty.
//   - ssl.key.password: string; default empty. Decrypts an encrypted PEM key (legacy or PKCS#8).
//   - ssl.keystore.location: string; default empty. PKCS#12 file with the key and certificate.
//   - ssl.keystore.password: string; default empty.
//   - ssl.crl.location: string; default empty. PEM or DER; a revoked broker certificate fails the handshake.
//   - enable.ssl.certificate.verification: bool; default true.
//   - ssl.endpoint.identification.algorithm: one of none, https; default https. https checks the broker's host name against its certificate.
//   - ssl.cipher.suites: string; default empty. OpenSSL or IANA names of TLS 1.2 suites, colon-separated; Go does not let TLS 1.3 suites be chosen.
//   - ssl.curves.list: string; default empty. OpenSSL names, colon-separated.
//   - ssl.sigalgs.list: string; default empty. Go's TLS cannot restrict signature algorithms: any value is refused.
//   - https.ca.location: string; default system roots. CA for the OIDC token endpoint: a PEM file or a directory of them.
//   - https.ca.pem: string; default empty. CA for the OIDC token endpoint, PEM.
//   - sasl.mechanisms (alias sasl.mechanism): one of GSSAPI, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER; default GSSAPI. GSSAPI (Kerberos) is refused as not implemented when a SASL protocol is used.
//   - sasl.username: string; default empty. For PLAIN and SCRAM.
//   - sasl.password: string; default empty. For PLAIN and SCRAM.
//   - sasl.oauthbearer.config: string; default empty. Passed in OAuthBearerTokenRefresh events; with enable.sasl.oauthbearer.unsecure.jwt, principal=, scope=, lifeSeconds=, extension_NAME=.
//   - enable.sasl.oauthbearer.unsecure.jwt: bool; default false. Builds unsigned tokens from sasl.oauthbearer.config: for test brokers only.
//   - sasl.oauthbearer.method: one of default, oidc; default default. default: the application answers OAuthBearerTokenRefresh events; oidc: the client-credentials grant.
//   - sasl.oauthbearer.client.id (alias sasl.oauthbearer.client.credentials.client.id): string; default empty.
//   - sasl.oauthbearer.client.secret (alias sasl.oauthbearer.client.credentials.client.secret): string; default empty.
//   - sasl.oauthbearer.scope: string; default empty.
//   - sasl.oauthbearer.extensions: string; default empty. key=value pairs, comma-separated.
//   - sasl.oauthbearer.token.endpoint.url: string; default empty.
//   - sasl.oauthbearer.sub.claim.name: string (kprod implements only sub); default sub.
//   - sasl.oauthbearer.grant.type: one of client_credentials, urn:ietf:params:oauth:grant-type:jwt-bearer (kprod implements only client_credentials); default client_credentials.
//   - default.topic.config: map of properties; default none. confluent-kafka-go's key: a ConfigMap (any map with string keys) of topic properties, applied as if set at the top level; each one also set at the top level is overridden, with a CONFWARN warning.
//   - go.batch.producer: bool; default false. No effect: confluent-kafka-go's key for its batching ProduceChannel reader; kprod needs no separate mode.
//   - go.delivery.report.fields: string; default key,value. confluent-kafka-go's key: all, none or a comma-separated subset of key, value, headers; the kafka package reads it.
//   - go.events.channel.size: integer 0..2147483647; default 1000000. confluent-kafka-go's key; the kafka package reads it.
//   - go.produce.channel.size: integer 0..2147483647; default 1000000. confluent-kafka-go's key; the kafka package reads it.
//
// With enable.idempotence=true, unset max.in.flight.requests.per.connection
// becomes 5, retries 2147483647 and acks -1 (all); set explicitly to more
// than 5, 0 or anything but all they are an error, as in librdkafka. That
// many requests share a connection; each idempotent partition has one batch
// in flight among them unless WithPartitionPipelining is given. When
// delivery.timeout.ms is not 0 and not above linger.ms, an explicit linger.ms
// is an error and a default one is lowered to delivery.timeout.ms - 0.1 ms.
//
// A non-empty transactional.id makes the producer transactional and turns
// enable.idempotence on, with the settings above; enable.idempotence=false
// set explicitly is then an error. An unset socket.timeout.ms becomes
// transaction.timeout.ms - 100 ms (at least 900 ms) and an unset
// delivery.timeout.ms becomes transaction.timeout.ms; set explicitly, they
// may not exceed transaction.timeout.ms + 100 ms and transaction.timeout.ms.
//
// Recognized but not implemented, failing with ErrNotImplemented and the
// reason: the GSSAPI (Kerberos) sasl.kerberos.* properties and
// sasl.mechanisms=GSSAPI with a SASL protocol, the OAUTHBEARER jwt-bearer
// grant and its sasl.oauthbearer.assertion.* properties,
// sasl.oauthbearer.metadata.authentication.type, ssl.ca.certificate.stores,
// ssl.providers, ssl.engine.location, ssl.engine.id,
// plugin.library.paths, topic.blacklist, test.mock.num.brokers,
// test.mock.broker.rtt (use the kprodtest package); the
// callbacks and C pointers librdkafka sets through functions of their own
// (error_cb, throttle_cb, stats_cb, background_event_cb,
// oauthbearer_token_refresh_cb, log_cb, dr_cb, dr_msg_cb, partitioner_cb,
// socket_cb, connect_cb, closesocket_cb, open_cb, resolve_cb, ssl_key,
// ssl_certificate, ssl_ca, ssl.certificate.verify_cb,
// ssl_engine_callback_data, opaque, default_topic_conf, interceptors,
// msg_order_cmp), for which the
// error names kprod's way; and the values other than the one listed above
// as the only one kprod implements. Values that Go's TLS cannot honour
// (ssl.sigalgs.list, OpenSSL cipher keywords) fail the same way.
//
// librdkafka's consumer properties (group.id, auto.offset.reset,
// enable.auto.commit, session.timeout.ms, fetch.*, isolation.level, …),
// confluent-kafka-go's consumer keys (go.events.channel.enable,
// go.application.rebalance.enable) and librdkafka settings of its C runtime
// (enabled_events, log.queue, log.thread.name, enable.random.seed,
// internal.termination.signal) take any value and are ignored: New logs a
// CONFWARN warning for each one set, as a librdkafka producer does for a
// consumer property. docs/config-coverage.md lists every property with
// what kprod does with it.
//
// A protocol prefix on a bootstrap server (sasl_ssl://host:9093) must be
// security.protocol's. Passwords, keys, client secrets and tokens never
// appear in error messages, which name the property. An unknown name fails
// with the closest known names suggested.
type ConfigMap map[string]any

// SetKey sets property key to value. It never fails: New reports a bad key
// or value. The error result is there for compatibility with
// confluent-kafka-go.
func (m ConfigMap) SetKey(key string, value any) error {
	m[key] = value
	return nil
}

// Set sets a property from "key=value", the form of a librdkafka -X flag,
// so that ConfigMap can collect command-line settings.
func (m ConfigMap) Set(kv string) error {
	key, value, ok := strings.Cut(kv, "=")
	if !ok {
		return newError(ErrInvalidArg, "Expected key=value")
	}
	return m.SetKey(key, value)
}

// Get returns the value of key, or defval when key is not set. When key is
// set to a value whose type differs from defval's (unless defval is nil), it
// fails with ErrInvalidArg. Get does not resolve aliases.
func (m ConfigMap) Get(key string, defval any) (any, error) {
	v, ok := m[key]
	if !ok {
		return defval, nil
	}
	if defval != nil && reflect.TypeOf(defval) != reflect.TypeOf(v) {
		return nil, newError(ErrInvalidArg, "%s expects type %T, not %T", key, defval, v)
	}
	return v, nil
}

// config is a parsed and validated ConfigMap. Durations come from
// millisecond properties. Fields are read-only once parseConfig returns.
type config struct {
	// snd holds the properties the sender and the broker connections
	// apply as they are (acks, retries, timeouts, backoffs, idempotence,
	// client.id, socket settings): the property table writes them there
	// directly, so New hands them down without copying field by field.
	// New fills in the rest (codec, options, software name).
	snd sender.Config

	bootstrapServers        []string      // bootstrap.servers: host:port entries, never empty after validate
	linger                  time.Duration // linger.ms, sub-millisecond precision kept
	batchSize               int           // batch.size
	batchNumMessages        int           // batch.num.messages
	queueMaxMessages        int           // queue.buffering.max.messages; 0 = no limit
	queueMaxKBytes          int           // queue.buffering.max.kbytes
	messageMaxBytes         int           // message.max.bytes
	metadataRefreshInterval time.Duration // topic.metadata.refresh.interval.ms; negative = off
	metadataMaxAge          time.Duration // metadata.max.age.ms, derived
	metadataRefreshFast     time.Duration // topic.metadata.refresh.fast.interval.ms, derived
	metadataPropagationMax  time.Duration // topic.metadata.propagation.max.ms
	allowAutoCreateTopics   bool          // allow.auto.create.topics
	partitioner             string        // partitioner
	stickyLinger            time.Duration // sticky.partitioning.linger.ms, derived; 0 = off
	partitionerAdaptive     bool          // partitioner.adaptive.partitioning.enable
	partitionerIgnoreKeys   bool          // partitioner.ignore.keys
	compressionType         string        // compression.type: none, gzip, snappy, lz4, zstd
	compressionLevel        int           // compression.level; -1 = codec default
	deliveryReportOnlyError bool          // delivery.report.only.error
	socketMaxFails          int           // socket.max.fails; 0 = never disconnect
	goDeliveryReports       bool          // go.delivery.reports: false = no reports at all
	backpressureThreshold   int           // queue.buffering.backpressure.threshold
	debug                   []string      // debug: enabled contexts in librdkafka's order, "all" expanded
	logLevel                int           // log_level: syslog level
	logsChannelEnable       bool          // go.logs.channel.enable
	logsChannel             chan LogEvent // go.logs.channel; nil: New makes one
	sec                     security      // security.protocol, ssl.*, sasl.*: see security.go
	statisticsInterval      time.Duration // statistics.interval.ms; 0 = no statistics
	queuingStrategy         string        // queuing.strategy: only fifo
	transactionalID         string        // transactional.id; empty = not transactional
	transactionTimeout      time.Duration // transaction.timeout.ms
	goDeliveryReportFields  string        // go.delivery.report.fields, for the kafka package
	goEventsChannelSize     int           // go.events.channel.size, for the kafka package
	goProduceChannelSize    int           // go.produce.channel.size, for the kafka package

	set   map[string]bool   // canonical names of the properties the user set explicitly
	setAs map[string]string // canonical name -> the key the user wrote (the name or an alias)
	// values holds, for a property set without a config field, its value
	// as parsed and written back as text (see ConfigValue).
	values map[string]string
	// warnings are the CONFWARN lines New logs, one per ignored property
	// set, in key order.
	warnings []string
}

// defaultConfig returns a config holding every property's default, as
// parsed from the property table. Derived defaults are filled in by validate.
func defaultConfig() *config {
	c := &config{set: make(map[string]bool), setAs: make(map[string]string), values: make(map[string]string)}
	for i := range properties {
		p := &properties[i]
		if p.unsupported != "" || p.field.set == nil {
			continue
		}
		v, err := p.parse(p.name, p.def)
		if err != nil || !p.field.set(c, v) {
			panic(fmt.Sprintf("producer: bad default %q for %s: %v", p.def, p.name, err))
		}
	}
	return c
}

// parseConfig applies the defaults, parses every key of m and validates the
// result. Keys are handled in sorted order so that the error, if any, does
// not depend on map iteration order.
func parseConfig(m ConfigMap) (*config, error) {
	c := defaultConfig()
	m, err := c.mergeTopicConf(m)
	if err != nil {
		return nil, err
	}
	for _, key := range slices.Sorted(maps.Keys(m)) {
		p := propertyIndex[key]
		if p == nil {
			return nil, unknownProperty(key)
		}
		if p.unsupported != "" {
			return nil, newError(ErrNotImplemented,
				"Configuration property %q is not supported by kprod yet: %s", key, p.unsupported)
		}
		if other, dup := c.setAs[p.name]; dup {
			return nil, newError(ErrInvalidArg,
				"Configuration properties %q and %q are aliases of each other: set only one", other, key)
		}
		value := m[key]
		if value == nil {
			return nil, newError(ErrInvalidArg, "Configuration property %q cannot be set to nil", key)
		}
		v, err := p.parse(key, value)
		if err != nil {
			return nil, err
		}
		if p.field.set != nil && !p.field.set(c, v) {
			return nil, rangeError(key, formatValue(v), p)
		}
		if p.field.set == nil {
			if p.outOfRange(v) { // validate checks the others
				return nil, rangeError(key, formatValue(v), p)
			}
			c.values[p.name] = formatValue(v)
		}
		if p.ignored != "" {
			c.warnings = append(c.warnings, "Configuration property "+key+" "+p.ignored)
		}
		if p.deprecated {
			c.warnings = append(c.warnings, "Configuration property "+key+" is deprecated: "+p.deprecation())
		}
		c.set[p.name] = true
		c.setAs[p.name] = key
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// mergeTopicConf returns m with the entries of its default.topic.config, a
// confluent-kafka-go key, set at the top level. As librdkafka's
// rd_kafka_conf_set_default_topic_conf, they override the same properties
// set at the top level, and each override is warned of.
func (c *config) mergeTopicConf(m ConfigMap) (ConfigMap, error) {
	const key = "default.topic.config"
	v, ok := m[key]
	if !ok {
		return m, nil
	}
	if v == nil {
		return nil, newError(ErrInvalidArg, "Configuration property %q cannot be set to nil", key)
	}
	out := maps.Clone(m)
	delete(out, key)
	if s, ok := v.(string); ok && s == "" {
		return out, nil
	}
	tc, ok := topicConf(v)
	if !ok {
		return nil, wrongType(key, v, "map of properties")
	}
	for _, k := range slices.Sorted(maps.Keys(tc)) {
		if k == key {
			return nil, invalidValue(key, k, "default.topic.config cannot nest")
		}
		for top := range m {
			if top != key && (top == k || propertyIndex[top] != nil && propertyIndex[top] == propertyIndex[k]) {
				c.warnings = append(c.warnings, fmt.Sprintf(
					"Configuration property %s set in the top-level configuration is overridden by %s in default.topic.config", top, k))
				delete(out, top)
			}
		}
		out[k] = tc[k]
	}
	return out, nil
}

// validate checks every bound and conflict and computes the derived values,
// in the order of librdkafka's rd_kafka_conf_finalize, so that the same
// configuration fails there and here with the same text.
func (c *config) validate() error {
	for i := range properties {
		p := &properties[i]
		if p.field.get == nil {
			continue
		}
		if v := p.field.get(c); p.outOfRange(v) {
			return rangeError(c.keyOf(p), formatValue(v), p)
		}
	}
	if len(c.bootstrapServers) == 0 {
		return newError(ErrInvalidArg, "Configuration property %q must be set", c.keyOf(propertyIndex["bootstrap.servers"]))
	}
	for i, b := range c.bootstrapServers {
		if scheme, addr, ok := strings.Cut(b, "://"); ok {
			if scheme != c.sec.protocol {
				return newError(ErrInvalidArg, "Configuration property %q: broker %q uses protocol %s, but security.protocol is %s",
					c.keyOf(propertyIndex["bootstrap.servers"]), addr, scheme, c.sec.protocol)
			}
			c.bootstrapServers[i] = addr
		}
	}

	if c.transactionalID != "" {
		if !c.snd.Idempotent {
			if c.set["enable.idempotence"] {
				return newError(ErrInvalidArg, "`transactional.id` requires `enable.idempotence=true`")
			}
			c.snd.Idempotent = true
		}
		// At least one request must fit in a transaction's lifetime.
		if !c.set["socket.timeout.ms"] {
			c.snd.Broker.RequestTimeout = max(c.transactionTimeout-100*time.Millisecond, 900*time.Millisecond)
		} else if c.snd.Broker.RequestTimeout > c.transactionTimeout+100*time.Millisecond {
			return newError(ErrInvalidArg, "`socket.timeout.ms` must be set <= `transaction.timeout.ms` + 100")
		}
	}
	if c.snd.Idempotent {
		if !c.set["max.in.flight.requests.per.connection"] {
			c.snd.MaxInFlight = min(c.snd.MaxInFlight, 5)
		} else if c.snd.MaxInFlight > 5 {
			return newError(ErrInvalidArg, "`max.in.flight` must be set <= 5 when `enable.idempotence` is true")
		}
		if !c.set["retries"] {
			c.snd.Retries = math.MaxInt32
		} else if c.snd.Retries < 1 {
			return newError(ErrInvalidArg, "`retries` must be set >= 1 when `enable.idempotence` is true")
		}
		if c.set["queue.buffering.backpressure.threshold"] && c.backpressureThreshold > 1 {
			return newError(ErrInvalidArg,
				"`queue.buffering.backpressure.threshold` must be set to 1 when `enable.idempotence` is true")
		}
		c.backpressureThreshold = 1
	} else if c.snd.Gapless && c.set["enable.gapless.guarantee"] {
		return newError(ErrInvalidArg, "`enable.gapless.guarantee` requires `enable.idempotence` to be enabled")
	}

	// librdkafka derives the sticky linger from linger.ms as set, before
	// the message timeout rule below may lower it, and truncates to whole
	// milliseconds (so a linger under 0.5 ms turns stickiness off).
	if !c.set["sticky.partitioning.linger.ms"] {
		ms := min(900000, int64(2*float64(c.linger)/float64(time.Millisecond)))
		c.stickyLinger = time.Duration(ms) * time.Millisecond
	}
	if !c.set["metadata.max.age.ms"] && c.metadataRefreshInterval > 0 {
		c.metadataMaxAge = 3 * c.metadataRefreshInterval
	}
	if c.snd.ReconnectBackoffMax < c.snd.ReconnectBackoff {
		return newError(ErrInvalidArg, "`reconnect.backoff.max.ms` must be >= `reconnect.backoff.ms`")
	}
	// As librdkafka: Azure's load balancers drop a connection idle for 4
	// minutes without telling either end.
	if !c.set["connections.max.idle.ms"] && slices.ContainsFunc(c.bootstrapServers, func(b string) bool {
		return strings.Contains(strings.ToLower(b), "azure")
	}) {
		c.snd.Broker.IdleTimeout = 230 * time.Second
	}
	if !c.set["topic.metadata.refresh.fast.interval.ms"] {
		c.metadataRefreshFast = c.snd.RetryBackoff
	}
	if c.snd.MessageTimeout != 0 && c.snd.MessageTimeout <= c.linger {
		if c.set["linger.ms"] {
			return newError(ErrInvalidArg, "`message.timeout.ms` must be greater than `linger.ms`")
		}
		c.linger = c.snd.MessageTimeout - 100*time.Microsecond
	}
	if c.snd.Idempotent {
		if !c.set["acks"] {
			c.snd.Acks = -1
		} else if c.snd.Acks != -1 {
			return newError(ErrInvalidArg, "`acks` must be set to `all` when `enable.idempotence` is true")
		}
	}
	// librdkafka bounds the message timeout by the transaction timeout
	// after the linger rule above (in its topic configuration), so an
	// explicit linger is checked again against the bounded timeout.
	if c.transactionalID != "" {
		if !c.set["delivery.timeout.ms"] {
			c.snd.MessageTimeout = c.transactionTimeout
		} else if c.snd.MessageTimeout > c.transactionTimeout {
			return newError(ErrInvalidArg, "`message.timeout.ms` must be set <= `transaction.timeout.ms`")
		}
		if c.snd.MessageTimeout != 0 && c.snd.MessageTimeout <= c.linger && c.set["linger.ms"] {
			return newError(ErrInvalidArg, "`message.timeout.ms` must be greater than `linger.ms`")
		}
	}
	for f := range strings.SplitSeq(c.goDeliveryReportFields, ",") {
		switch strings.TrimSpace(f) {
		case "", "all", "none", "key", "value", "headers":
		default:
			return invalidValue(c.keyOf(propertyIndex["go.delivery.report.fields"]), c.goDeliveryReportFields,
				"expected all, none or a comma-separated subset of key, value, headers")
		}
	}
	// Values kprod does not implement are refused last, so that a
	// conflict librdkafka reports (a backpressure threshold above 1 with
	// idempotence) is reported as librdkafka does.
	for i := range properties {
		p := &properties[i]
		if p.only == "" {
			continue
		}
		v, ok := c.values[p.name]
		if p.field.get != nil {
			v, ok = formatValue(p.field.get(c)), true
		}
		if ok && v != p.only {
			why := ""
			if p.onlyWhy != "" {
				why = ": " + p.onlyWhy
			}
			return newError(ErrNotImplemented,
				"Configuration property %q value %q is not supported by kprod yet: only %q is%s",
				c.keyOf(p), v, p.only, why)
		}
	}
	return nil
}

// deprecation is what the warning for a deprecated property says.
func (p *property) deprecation() string {
	for _, s := range []string{p.noop, p.note} {
		if s != "" {
			return s
		}
	}
	return "librdkafka will remove it"
}

// outOfRange reports whether v, a numeric value in p's canonical form, is
// outside p's bounds.
func (p *property) outOfRange(v any) bool {
	switch n := v.(type) {
	case int64:
		return n < p.min || n > p.max
	case float64:
		return n < float64(p.min) || n > float64(p.max)
	}
	return false
}

// keyOf returns the name under which the user set p, or p's name.
func (c *config) keyOf(p *property) string {
	if key, ok := c.setAs[p.name]; ok {
		return key
	}
	return p.name
}

func rangeError(key, value string, p *property) error {
	return newError(ErrInvalidArg, "Configuration property %q value %s is outside allowed range %d..%d",
		key, value, p.min, p.max)
}

func invalidValue(key string, v any, reason string) error {
	if reason != "" {
		reason = ": " + reason
	}
	return newError(ErrInvalidArg, "Invalid value %q for configuration property %q%s", formatValue(v), key, reason)
}

func wrongType(key string, v any, want string) error {
	return newError(ErrInvalidArg, "Invalid value type %T for configuration property %q: expected %s", v, key, want)
}

// formatValue writes a parsed or user value as text for an error message.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case []string:
		return strings.Join(x, ",")
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// logWarnings logs, once, a warning for each ignored property set, as
// librdkafka does at rd_kafka_new.
func (c *config) logWarnings(log *logx.Logger) {
	for _, w := range c.warnings {
		log.Logf(logx.Warning, "CONFWARN", "%s", w)
	}
}
