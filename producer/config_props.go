package producer

import (
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// propKind is how a property's value is written and what Go values it takes.
type propKind int

const (
	kindInt      propKind = iota // integer, optionally with named values (acks "all")
	kindMs                       // integer milliseconds, stored as a time.Duration
	kindFloatMs                  // fractional milliseconds, stored as a time.Duration (linger.ms)
	kindBool                     // true/t/1, false/f/0
	kindString                   // free text
	kindEnum                     // one of values
	kindFlags                    // comma-separated subset of values, "-x" removes x (debug)
	kindBrokers                  // comma-separated host[:port] list
	kindLogsChan                 // a chan LogEvent (go.logs.channel); "" means none
)

// property describes one configuration property: its librdkafka name and
// aliases, how its value is parsed, its bounds and its default. The table
// below is the only place a property is defined; parsing, validation, the
// defaults, the ConfigMap documentation and the tests all read it.
type property struct {
	name    string
	aliases []string
	kind    propKind
	// min and max bound numeric kinds, in milliseconds for kindMs and
	// kindFloatMs. validate checks them.
	min, max int64
	// def is the default written as a user would write it; it is parsed
	// like a user value. defDoc, when set, documents a derived default.
	def    string
	defDoc string
	// values lists the accepted names for kindEnum and kindFlags; fold
	// makes matching case-insensitive (librdkafka's enum properties), and
	// symbols names integer values (acks "all" = -1).
	values  []string
	fold    bool
	symbols map[string]int64
	// only, when set, is the one value kprod implements; other valid values
	// fail validate with ErrNotImplemented.
	only string
	// unsupported, when set, marks a librdkafka property kprod recognizes
	// but does not implement: any value fails with ErrNotImplemented.
	unsupported string
	// note is appended to the property's line in the ConfigMap doc.
	note  string
	field field
}

// field reads and writes one config struct field in the property kind's
// canonical form: int64 for kindInt and kindMs (milliseconds), float64 for
// kindFloatMs (milliseconds), bool, string, or []string. set reports false
// when the value cannot be stored in the field at all (it is then far out of
// any allowed range). A property with a nil get is parsed and discarded.
type field struct {
	get func(*config) any
	set func(*config, any) bool
}

// maxDurationMs is the largest millisecond count a time.Duration holds.
const maxDurationMs = math.MaxInt64 / int64(time.Millisecond)

func intField(p func(*config) *int) field {
	return field{
		get: func(c *config) any { return int64(*p(c)) },
		set: func(c *config, v any) bool {
			n := v.(int64)
			if n < math.MinInt || n > math.MaxInt {
				return false
			}
			*p(c) = int(n)
			return true
		},
	}
}

func int16Field(p func(*config) *int16) field {
	return field{
		get: func(c *config) any { return int64(*p(c)) },
		set: func(c *config, v any) bool {
			n := v.(int64)
			if n < math.MinInt16 || n > math.MaxInt16 {
				return false
			}
			*p(c) = int16(n)
			return true
		},
	}
}

func msField(p func(*config) *time.Duration) field {
	return field{
		get: func(c *config) any { return int64(*p(c) / time.Millisecond) },
		set: func(c *config, v any) bool {
			n := v.(int64)
			if n < -maxDurationMs || n > maxDurationMs {
				return false
			}
			*p(c) = time.Duration(n) * time.Millisecond
			return true
		},
	}
}

func floatMsField(p func(*config) *time.Duration) field {
	return field{
		get: func(c *config) any { return float64(*p(c)) / float64(time.Millisecond) },
		set: func(c *config, v any) bool {
			f := v.(float64)
			if math.Abs(f) > float64(maxDurationMs) {
				return false
			}
			*p(c) = time.Duration(math.Round(f * float64(time.Millisecond)))
			return true
		},
	}
}

func boolField(p func(*config) *bool) field {
	return field{
		get: func(c *config) any { return *p(c) },
		set: func(c *config, v any) bool { *p(c) = v.(bool); return true },
	}
}

func stringField(p func(*config) *string) field {
	return field{
		get: func(c *config) any { return *p(c) },
		set: func(c *config, v any) bool { *p(c) = v.(string); return true },
	}
}

func listField(p func(*config) *[]string) field {
	return field{
		get: func(c *config) any { return *p(c) },
		set: func(c *config, v any) bool { *p(c) = v.([]string); return true },
	}
}

const int32Max = math.MaxInt32

// partitioners are librdkafka's built-in partitioners followed by kprod's
// extensions.
var partitioners = []string{
	"random", "consistent", "consistent_random", "murmur2", "murmur2_random",
	"fnv1a", "fnv1a_random", "murmur3", "murmur3_random", "uniform_sticky",
}

// debugContexts are librdkafka's debug contexts; "all" enables every one.
var debugContexts = []string{
	"generic", "broker", "topic", "metadata", "feature", "queue", "msg",
	"protocol", "cgrp", "security", "fetch", "interceptor", "plugin",
	"consumer", "admin", "eos", "mock", "assignor", "conf", "telemetry", "all",
}

// properties is the table of every property kprod knows, supported first.
var properties = slices.Concat(supportedProperties, securityProperties, unsupportedProperties())

var supportedProperties = []property{
	{name: "bootstrap.servers", aliases: []string{"metadata.broker.list"}, kind: kindBrokers,
		defDoc: "none, required", note: "A missing port is 9092; IPv6 hosts go in brackets.",
		field: listField(func(c *config) *[]string { return &c.bootstrapServers })},
	{name: "client.id", kind: kindString, def: "rdkafka",
		field: stringField(func(c *config) *string { return &c.snd.Broker.ClientID })},
	{name: "acks", aliases: []string{"request.required.acks"}, kind: kindInt, min: -1, max: 1000, def: "-1",
		symbols: map[string]int64{"all": -1},
		field:   int16Field(func(c *config) *int16 { return &c.snd.Acks })},
	{name: "enable.idempotence", kind: kindBool, def: "false",
		field: boolField(func(c *config) *bool { return &c.snd.Idempotent })},
	{name: "enable.gapless.guarantee", kind: kindBool, def: "false", note: "Requires enable.idempotence.",
		field: boolField(func(c *config) *bool { return &c.snd.Gapless })},
	{name: "transactional.id", kind: kindString, defDoc: "empty",
		note:  "Makes the producer transactional, which turns enable.idempotence on; empty means not transactional.",
		field: stringField(func(c *config) *string { return &c.transactionalID })},
	{name: "transaction.timeout.ms", kind: kindMs, min: 1000, max: int32Max, def: "60000",
		note:  "The coordinator aborts a transaction open longer than this.",
		field: msField(func(c *config) *time.Duration { return &c.transactionTimeout })},
	{name: "max.in.flight.requests.per.connection", aliases: []string{"max.in.flight"}, kind: kindInt,
		min: 1, max: 1000000, def: "1000000", note: "At most 5 with idempotence; 5 when unset.",
		field: intField(func(c *config) *int { return &c.snd.MaxInFlight })},
	{name: "linger.ms", aliases: []string{"queue.buffering.max.ms"}, kind: kindFloatMs, min: 0, max: 900000, def: "5",
		field: floatMsField(func(c *config) *time.Duration { return &c.linger })},
	{name: "batch.size", kind: kindInt, min: 1, max: int32Max, def: "1000000",
		field: intField(func(c *config) *int { return &c.batchSize })},
	{name: "batch.num.messages", kind: kindInt, min: 1, max: 1000000, def: "10000",
		field: intField(func(c *config) *int { return &c.batchNumMessages })},
	{name: "queue.buffering.max.messages", kind: kindInt, min: 0, max: int32Max, def: "100000", note: "0 means no limit.",
		field: intField(func(c *config) *int { return &c.queueMaxMessages })},
	{name: "queue.buffering.max.kbytes", kind: kindInt, min: 1, max: int32Max, def: "1048576",
		field: intField(func(c *config) *int { return &c.queueMaxKBytes })},
	{name: "queue.buffering.backpressure.threshold", kind: kindInt, min: 1, max: 1000000, def: "1",
		note:  "Must be 1 with idempotence.",
		field: intField(func(c *config) *int { return &c.backpressureThreshold })},
	{name: "message.max.bytes", kind: kindInt, min: 1000, max: 1000000000, def: "1000000",
		field: intField(func(c *config) *int { return &c.messageMaxBytes })},
	{name: "retries", aliases: []string{"message.send.max.retries"}, kind: kindInt, min: 0, max: int32Max,
		def: "2147483647", note: "At least 1 with idempotence.",
		field: intField(func(c *config) *int { return &c.snd.Retries })},
	{name: "retry.backoff.ms", kind: kindMs, min: 1, max: 300000, def: "100",
		field: msField(func(c *config) *time.Duration { return &c.snd.RetryBackoff })},
	{name: "retry.backoff.max.ms", kind: kindMs, min: 1, max: 300000, def: "1000",
		note:  "Below retry.backoff.ms it makes the backoff a constant retry.backoff.max.ms.",
		field: msField(func(c *config) *time.Duration { return &c.snd.RetryBackoffMax })},
	{name: "request.timeout.ms", kind: kindMs, min: 1, max: 900000, def: "30000",
		field: msField(func(c *config) *time.Duration { return &c.snd.RequestTimeout })},
	{name: "delivery.timeout.ms", aliases: []string{"message.timeout.ms"}, kind: kindMs, min: 0, max: int32Max,
		def: "300000", note: "0 means no timeout; otherwise it must exceed linger.ms. With transactional.id: at most transaction.timeout.ms, and transaction.timeout.ms when unset.",
		field: msField(func(c *config) *time.Duration { return &c.snd.MessageTimeout })},
	{name: "socket.timeout.ms", kind: kindMs, min: 10, max: 300000, def: "60000",
		note:  "With transactional.id: at most transaction.timeout.ms + 100, and transaction.timeout.ms - 100 (at least 900) when unset.",
		field: msField(func(c *config) *time.Duration { return &c.snd.Broker.RequestTimeout })},
	{name: "socket.connection.setup.timeout.ms", kind: kindMs, min: 1000, max: int32Max, def: "30000",
		field: msField(func(c *config) *time.Duration { return &c.snd.Broker.DialTimeout })},
	{name: "socket.keepalive.enable", kind: kindBool, def: "false",
		field: boolField(func(c *config) *bool { return &c.snd.Broker.KeepAlive })},
	{name: "receive.message.max.bytes", kind: kindInt, min: 1000, max: 2147483647, def: "100000000",
		note:  "A larger response from a broker is refused as a protocol error.",
		field: intField(func(c *config) *int { return &c.snd.Broker.MaxResponse })},
	{name: "socket.max.fails", kind: kindInt, min: 0, max: 1000000, def: "1",
		field: intField(func(c *config) *int { return &c.socketMaxFails })},
	{name: "reconnect.backoff.ms", kind: kindMs, min: 0, max: 3600000, def: "100",
		field: msField(func(c *config) *time.Duration { return &c.snd.ReconnectBackoff })},
	{name: "reconnect.backoff.max.ms", kind: kindMs, min: 0, max: 3600000, def: "10000",
		note:  "Must be at least reconnect.backoff.ms.",
		field: msField(func(c *config) *time.Duration { return &c.snd.ReconnectBackoffMax })},
	{name: "topic.metadata.refresh.interval.ms", kind: kindMs, min: -1, max: 3600000, def: "300000",
		note:  "-1 turns the periodic refresh off.",
		field: msField(func(c *config) *time.Duration { return &c.metadataRefreshInterval })},
	{name: "metadata.max.age.ms", kind: kindMs, min: 1, max: 86400000, def: "900000",
		defDoc: "3 × topic.metadata.refresh.interval.ms when that is > 0, else 900000",
		field:  msField(func(c *config) *time.Duration { return &c.metadataMaxAge })},
	{name: "topic.metadata.refresh.fast.interval.ms", kind: kindMs, min: 1, max: 60000, def: "100",
		defDoc: "retry.backoff.ms",
		field:  msField(func(c *config) *time.Duration { return &c.metadataRefreshFast })},
	{name: "topic.metadata.propagation.max.ms", kind: kindMs, min: 0, max: 3600000, def: "30000",
		field: msField(func(c *config) *time.Duration { return &c.metadataPropagationMax })},
	{name: "allow.auto.create.topics", kind: kindBool, def: "true",
		note:  "librdkafka documents false, the consumer's default; a producer's is true.",
		field: boolField(func(c *config) *bool { return &c.allowAutoCreateTopics })},
	{name: "partitioner", kind: kindEnum, values: partitioners, def: "consistent_random",
		note:  "murmur3, murmur3_random and uniform_sticky are kprod extensions.",
		field: stringField(func(c *config) *string { return &c.partitioner })},
	{name: "sticky.partitioning.linger.ms", kind: kindMs, min: 0, max: 900000, def: "10",
		defDoc: "2 × linger.ms in whole ms, at most 900000", note: "0 turns stickiness off.",
		field: msField(func(c *config) *time.Duration { return &c.stickyLinger })},
	{name: "partitioner.adaptive.partitioning.enable", kind: kindBool, def: "true",
		note:  "kprod extension (Java's name), for uniform_sticky.",
		field: boolField(func(c *config) *bool { return &c.partitionerAdaptive })},
	{name: "partitioner.ignore.keys", kind: kindBool, def: "false",
		note:  "kprod extension (Java's name), for uniform_sticky.",
		field: boolField(func(c *config) *bool { return &c.partitionerIgnoreKeys })},
	{name: "compression.type", aliases: []string{"compression.codec"}, kind: kindEnum, fold: true,
		values: []string{"none", "gzip", "snappy", "lz4", "zstd"}, def: "none",
		field: stringField(func(c *config) *string { return &c.compressionType })},
	{name: "compression.level", kind: kindInt, min: -1, max: 12, def: "-1", note: "-1 is the codec's default.",
		field: intField(func(c *config) *int { return &c.compressionLevel })},
	{name: "delivery.report.only.error", kind: kindBool, def: "false",
		note:  "Unlike confluent-kafka-go, kprod accepts true.",
		field: boolField(func(c *config) *bool { return &c.deliveryReportOnlyError })},
	{name: "go.delivery.reports", kind: kindBool, def: "true",
		note:  "confluent-kafka-go's key; false means no delivery reports at all.",
		field: boolField(func(c *config) *bool { return &c.goDeliveryReports })},
	{name: "debug", kind: kindFlags, fold: true, values: debugContexts, defDoc: "empty",
		note:  "Any context sets log_level to 7; kprod logs in generic, broker, topic, metadata, queue, msg, protocol, security and eos.",
		field: listField(func(c *config) *[]string { return &c.debug })},
	{name: "log_level", kind: kindInt, min: 0, max: 7, def: "6",
		note:  "Syslog level: lines at this level or below are logged (see WithLogger).",
		field: intField(func(c *config) *int { return &c.logLevel })},
	{name: "go.logs.channel.enable", kind: kindBool, def: "false",
		note:  "confluent-kafka-go's key: log lines go to Producer.Logs.",
		field: boolField(func(c *config) *bool { return &c.logsChannelEnable })},
	{name: "go.logs.channel", kind: kindLogsChan, defDoc: "none",
		note: "confluent-kafka-go's key: the channel Logs returns, used only with go.logs.channel.enable=true; Close does not close it.",
		field: field{
			get: func(c *config) any { return c.logsChannel },
			set: func(c *config, v any) bool { c.logsChannel = v.(chan LogEvent); return true },
		}},
	{name: "security.protocol", kind: kindEnum, fold: true,
		values: []string{"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}, def: "plaintext",
		field: stringField(func(c *config) *string { return &c.sec.protocol })},
	{name: "statistics.interval.ms", kind: kindMs, min: 0, max: 86400000, def: "0", note: "0 turns statistics off; otherwise a *Stats event comes from Poll at each interval.",
		field: msField(func(c *config) *time.Duration { return &c.statisticsInterval })},
	{name: "queuing.strategy", kind: kindEnum, fold: true, values: []string{"fifo", "lifo"}, def: "fifo", only: "fifo",
		field: stringField(func(c *config) *string { return &c.queuingStrategy })},
	{name: "produce.offset.report", kind: kindBool, def: "false", note: "Deprecated in librdkafka; no effect."},
}

// securityProperties are the TLS and SASL properties (security.go applies
// them). String values are never quoted in an error message: several are
// secrets.
var securityProperties = []property{
	{name: "ssl.ca.location", kind: kindString, defDoc: "system roots",
		note:  "A PEM file or a directory of them; probe means the system roots.",
		field: stringField(func(c *config) *string { return &c.sec.tls.CALocation })},
	{name: "ssl.ca.pem", kind: kindString, defDoc: "empty", note: "PEM certificates.",
		field: stringField(func(c *config) *string { return &c.sec.tls.CAPEM })},
	{name: "ssl.certificate.location", kind: kindString, defDoc: "empty", note: "PEM file; with a key, for mutual TLS.",
		field: stringField(func(c *config) *string { return &c.sec.tls.CertLocation })},
	{name: "ssl.certificate.pem", kind: kindString, defDoc: "empty",
		field: stringField(func(c *config) *string { return &c.sec.tls.CertPEM })},
	{name: "ssl.key.location", kind: kindString, defDoc: "empty", note: "PEM file, encrypted or not.",
		field: stringField(func(c *config) *string { return &c.sec.tls.KeyLocation })},
	{name: "ssl.key.pem", kind: kindString, defDoc: "empty",
		field: stringField(func(c *config) *string { return &c.sec.tls.KeyPEM })},
	{name: "ssl.key.password", kind: kindString, defDoc: "empty", note: "Decrypts an encrypted PEM key (legacy or PKCS#8).",
		field: stringField(func(c *config) *string { return &c.sec.tls.KeyPassword })},
	{name: "ssl.keystore.location", kind: kindString, defDoc: "empty", note: "PKCS#12 file with the key and certificate.",
		field: stringField(func(c *config) *string { return &c.sec.tls.KeystoreLocation })},
	{name: "ssl.keystore.password", kind: kindString, defDoc: "empty",
		field: stringField(func(c *config) *string { return &c.sec.tls.KeystorePassword })},
	{name: "ssl.crl.location", kind: kindString, defDoc: "empty", note: "PEM or DER; a revoked broker certificate fails the handshake.",
		field: stringField(func(c *config) *string { return &c.sec.tls.CRLLocation })},
	{name: "enable.ssl.certificate.verification", kind: kindBool, def: "true",
		field: boolField(func(c *config) *bool { return &c.sec.tls.Verify })},
	{name: "ssl.endpoint.identification.algorithm", kind: kindEnum, fold: true, values: []string{"none", "https"},
		def: "https", note: "https checks the broker's host name against its certificate.",
		field: stringField(func(c *config) *string { return &c.sec.tls.EndpointIdentification })},
	{name: "ssl.cipher.suites", kind: kindString, defDoc: "empty",
		note:  "OpenSSL or IANA names of TLS 1.2 suites, colon-separated; Go does not let TLS 1.3 suites be chosen.",
		field: stringField(func(c *config) *string { return &c.sec.tls.CipherSuites })},
	{name: "ssl.curves.list", kind: kindString, defDoc: "empty", note: "OpenSSL names, colon-separated.",
		field: stringField(func(c *config) *string { return &c.sec.tls.Curves })},
	{name: "ssl.sigalgs.list", kind: kindString, defDoc: "empty", note: "Go's TLS cannot restrict signature algorithms: any value is refused.",
		field: stringField(func(c *config) *string { return &c.sec.tls.Sigalgs })},
	{name: "https.ca.location", kind: kindString, defDoc: "system roots",
		note:  "CA for the OIDC token endpoint: a PEM file or a directory of them.",
		field: stringField(func(c *config) *string { return &c.sec.httpsCALocation })},
	{name: "https.ca.pem", kind: kindString, defDoc: "empty", note: "CA for the OIDC token endpoint, PEM.",
		field: stringField(func(c *config) *string { return &c.sec.httpsCAPEM })},
	{name: "sasl.mechanisms", aliases: []string{"sasl.mechanism"}, kind: kindEnum,
		values: []string{"GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"}, def: "GSSAPI",
		note:  "GSSAPI (Kerberos) is refused as not implemented when a SASL protocol is used.",
		field: stringField(func(c *config) *string { return &c.sec.mechanism })},
	{name: "sasl.username", kind: kindString, defDoc: "empty", note: "For PLAIN and SCRAM.",
		field: stringField(func(c *config) *string { return &c.sec.username })},
	{name: "sasl.password", kind: kindString, defDoc: "empty", note: "For PLAIN and SCRAM.",
		field: stringField(func(c *config) *string { return &c.sec.password })},
	{name: "sasl.oauthbearer.config", kind: kindString, defDoc: "empty",
		note:  "Passed in OAuthBearerTokenRefresh events; with enable.sasl.oauthbearer.unsecure.jwt, principal=, scope=, lifeSeconds=, extension_NAME=.",
		field: stringField(func(c *config) *string { return &c.sec.oauthConfig })},
	{name: "enable.sasl.oauthbearer.unsecure.jwt", kind: kindBool, def: "false",
		note:  "Builds unsigned tokens from sasl.oauthbearer.config: for test brokers only.",
		field: boolField(func(c *config) *bool { return &c.sec.unsecureJWT })},
	{name: "sasl.oauthbearer.method", kind: kindEnum, fold: true, values: []string{"default", "oidc"}, def: "default",
		note:  "default: the application answers OAuthBearerTokenRefresh events; oidc: the client-credentials grant.",
		field: stringField(func(c *config) *string { return &c.sec.oauthMethod })},
	{name: "sasl.oauthbearer.client.id", aliases: []string{"sasl.oauthbearer.client.credentials.client.id"}, kind: kindString, defDoc: "empty",
		field: stringField(func(c *config) *string { return &c.sec.oidc.ClientID })},
	{name: "sasl.oauthbearer.client.secret", aliases: []string{"sasl.oauthbearer.client.credentials.client.secret"}, kind: kindString, defDoc: "empty",
		field: stringField(func(c *config) *string { return &c.sec.oidc.ClientSecret })},
	{name: "sasl.oauthbearer.scope", kind: kindString, defDoc: "empty",
		field: stringField(func(c *config) *string { return &c.sec.oidc.Scope })},
	{name: "sasl.oauthbearer.extensions", kind: kindString, defDoc: "empty", note: "key=value pairs, comma-separated.",
		field: stringField(func(c *config) *string { return &c.sec.oidcExtensions })},
	{name: "sasl.oauthbearer.token.endpoint.url", kind: kindString, defDoc: "empty",
		field: stringField(func(c *config) *string { return &c.sec.oidc.TokenEndpointURL })},
	{name: "sasl.oauthbearer.grant.type", kind: kindEnum,
		values: []string{"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, def: "client_credentials",
		only: "client_credentials", field: stringField(func(c *config) *string { return &c.sec.grantType })},
}

// unsupportedProperties returns the librdkafka (and confluent-kafka-go)
// properties kprod recognizes but does not implement, so that setting one
// fails with ErrNotImplemented and not with "No such configuration property".
func unsupportedProperties() []property {
	groups := []struct {
		reason string
		names  []string
	}{
		{"Windows certificate stores are not available to Go's TLS", []string{"ssl.ca.certificate.stores"}},
		{"OpenSSL providers and engines are a librdkafka C feature", []string{
			"ssl.providers", "ssl.engine.location", "ssl.engine.id",
		}},
		{"GSSAPI (Kerberos) is not implemented", []string{
			"sasl.kerberos.service.name", "sasl.kerberos.principal", "sasl.kerberos.kinit.cmd",
			"sasl.kerberos.keytab", "sasl.kerberos.min.time.before.relogin",
		}},
		{"the OAUTHBEARER jwt-bearer grant is not implemented", []string{
			"sasl.oauthbearer.assertion.algorithm", "sasl.oauthbearer.assertion.private.key.file",
			"sasl.oauthbearer.assertion.private.key.passphrase", "sasl.oauthbearer.assertion.private.key.pem",
			"sasl.oauthbearer.assertion.file", "sasl.oauthbearer.assertion.claim.aud",
			"sasl.oauthbearer.assertion.claim.exp.seconds", "sasl.oauthbearer.assertion.claim.iss",
			"sasl.oauthbearer.assertion.claim.jti.include", "sasl.oauthbearer.assertion.claim.nbf.seconds",
			"sasl.oauthbearer.assertion.claim.sub", "sasl.oauthbearer.assertion.jwt.template.file",
		}},
		{"OAUTHBEARER metadata authentication (Azure IMDS) is not implemented", []string{
			"sasl.oauthbearer.metadata.authentication.type",
		}},
		{"Go always copies the payload", []string{"message.copy.max.bytes"}},
		{"plugins are a librdkafka C feature", []string{"plugin.library.paths"}},
		{"kprod has no such channel option yet", []string{
			"go.batch.producer", "go.delivery.report.fields", "go.events.channel.size",
			"go.produce.channel.size",
		}},
	}
	var ps []property
	for _, g := range groups {
		for _, n := range g.names {
			ps = append(ps, property{name: n, unsupported: g.reason})
		}
	}
	return ps
}

// propertyIndex maps every name and alias to its property.
var propertyIndex = func() map[string]*property {
	idx := make(map[string]*property)
	for i := range properties {
		p := &properties[i]
		for _, n := range append([]string{p.name}, p.aliases...) {
			if idx[n] != nil {
				panic("producer: configuration property " + n + " defined twice")
			}
			idx[n] = p
		}
	}
	return idx
}()

// parse converts v, the value the user gave for key (p.name or an alias),
// into p's canonical form (see field). It checks the value's type and
// syntax; bounds are validate's job.
func (p *property) parse(key string, v any) (any, error) {
	switch p.kind {
	case kindInt, kindMs:
		return p.parseInt(key, v)
	case kindFloatMs:
		return p.parseFloatMs(key, v)
	case kindBool:
		return parseBool(key, v)
	case kindLogsChan:
		if ch, ok := v.(chan LogEvent); ok {
			return ch, nil
		}
		if s, ok := v.(string); ok && s == "" {
			return (chan LogEvent)(nil), nil
		}
		return nil, wrongType(key, v, "chan producer.LogEvent")
	}
	s, ok := v.(string)
	if !ok {
		return nil, wrongType(key, v, "string")
	}
	switch p.kind {
	case kindEnum:
		s = strings.TrimSpace(s)
		for _, name := range p.values {
			if s == name || p.fold && strings.EqualFold(s, name) {
				return name, nil
			}
		}
		return nil, invalidValue(key, v, "")
	case kindFlags:
		return p.parseFlags(key, s)
	case kindBrokers:
		return parseBrokers(key, s)
	}
	// Like librdkafka, left-trim string properties.
	return strings.TrimLeftFunc(s, unicode.IsSpace), nil
}

func (p *property) parseInt(key string, v any) (any, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		for name, n := range p.symbols {
			if strings.EqualFold(s, name) {
				return n, nil
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, rangeError(key, s, p)
			}
			return nil, invalidValue(key, v, "")
		}
		return n, nil
	case float32, float64:
		f := toFloat(x)
		if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return nil, invalidValue(key, v, "not an integer")
		}
		if math.Abs(f) >= 1<<63 {
			return nil, rangeError(key, formatFloat(f), p)
		}
		return int64(f), nil
	case time.Duration:
		if p.kind != kindMs {
			return nil, wrongType(key, v, "integer")
		}
		if x%time.Millisecond != 0 {
			return nil, invalidValue(key, v, "not a whole number of milliseconds")
		}
		return int64(x / time.Millisecond), nil
	}
	n, text, ok := asInteger(v)
	if !ok {
		return nil, wrongType(key, v, "integer")
	}
	if text != "" {
		return nil, rangeError(key, text, p)
	}
	return n, nil
}

// asInteger returns v as an int64 if v has a Go integer type. When v is an
// unsigned value above math.MaxInt64, text holds it in decimal.
func asInteger(v any) (n int64, text string, ok bool) {
	var u uint64
	switch x := v.(type) {
	case int:
		return int64(x), "", true
	case int8:
		return int64(x), "", true
	case int16:
		return int64(x), "", true
	case int32:
		return int64(x), "", true
	case int64:
		return x, "", true
	case uint:
		u = uint64(x)
	case uint8:
		u = uint64(x)
	case uint16:
		u = uint64(x)
	case uint32:
		u = uint64(x)
	case uint64:
		u = x
	case uintptr:
		u = uint64(x)
	default:
		return 0, "", false
	}
	if u > math.MaxInt64 {
		return 0, strconv.FormatUint(u, 10), true
	}
	return int64(u), "", true
}

func toFloat(v any) float64 {
	if f, ok := v.(float32); ok {
		return float64(f)
	}
	return v.(float64)
}

func (p *property) parseFloatMs(key string, v any) (any, error) {
	var f float64
	switch x := v.(type) {
	case string:
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, rangeError(key, strings.TrimSpace(x), p)
			}
			return nil, invalidValue(key, v, "")
		}
	case float32, float64:
		f = toFloat(x)
	case time.Duration:
		return float64(x) / float64(time.Millisecond), nil
	default:
		n, text, ok := asInteger(v)
		if !ok {
			return nil, wrongType(key, v, "number of milliseconds")
		}
		if text != "" {
			return nil, rangeError(key, text, p)
		}
		f = float64(n)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, invalidValue(key, v, "")
	}
	return f, nil
}

func parseBool(key string, v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "t", "1":
			return true, nil
		case "false", "f", "0":
			return false, nil
		}
		return nil, invalidValue(key, v, "expected true or false")
	}
	n, _, ok := asInteger(v)
	if !ok {
		return nil, wrongType(key, v, "bool")
	}
	if n != 0 && n != 1 {
		return nil, invalidValue(key, v, "expected true or false")
	}
	return n == 1, nil
}

// parseFlags parses a librdkafka CSV flags value: names separated by commas,
// each optionally prefixed with + (add, the default) or - (remove). "all"
// stands for every flag. The result lists the enabled flags, "all" excluded,
// in table order.
func (p *property) parseFlags(key, s string) (any, error) {
	on := make(map[string]bool)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		add := !strings.HasPrefix(item, "-")
		item = strings.TrimPrefix(strings.TrimPrefix(item, "-"), "+")
		if item == "" {
			continue
		}
		name := ""
		for _, v := range p.values {
			if strings.EqualFold(item, v) {
				name = v
			}
		}
		if name == "" {
			return nil, invalidValue(key, item, "")
		}
		for _, v := range p.values {
			if v != "all" && (v == name || name == "all") {
				on[v] = add
			}
		}
	}
	var out []string
	for _, v := range p.values {
		if on[v] {
			out = append(out, v)
		}
	}
	return out, nil
}

// parseBrokers parses a comma-separated list of host[:port] entries, each
// optionally prefixed with a security protocol ("sasl_ssl://"), into
// host:port strings, prefixed with the protocol in lower case when one was
// given: validate checks it against security.protocol and strips it.
func parseBrokers(key, s string) (any, error) {
	var out []string
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		addr, err := parseBroker(key, entry)
		if err != nil {
			return nil, err
		}
		out = append(out, addr)
	}
	return out, nil
}

func parseBroker(key, entry string) (string, error) {
	hostport, prefix := entry, ""
	if scheme, rest, ok := strings.Cut(entry, "://"); ok {
		switch scheme = strings.ToLower(scheme); scheme {
		case "plaintext", "ssl", "sasl_plaintext", "sasl_ssl":
			hostport, prefix = rest, scheme+"://"
		default:
			return "", invalidValue(key, entry, "unknown protocol "+strconv.Quote(scheme))
		}
	}
	host, port := hostport, "9092"
	switch colons := strings.Count(hostport, ":"); {
	case strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]"):
		host = hostport[1 : len(hostport)-1]
	case strings.HasPrefix(hostport, "[") || colons == 1:
		var err error
		if host, port, err = net.SplitHostPort(hostport); err != nil {
			return "", invalidValue(key, entry, "expected host:port")
		}
	case colons > 1:
		return "", invalidValue(key, entry, "write an IPv6 address in brackets, as [::1]:9092")
	}
	if host == "" || strings.ContainsAny(host, " \t/[]") {
		return "", invalidValue(key, entry, "expected host:port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", invalidValue(key, entry, "port must be 1..65535")
	}
	return prefix + net.JoinHostPort(host, strconv.Itoa(n)), nil
}
