package producer

import (
	"math"
	"slices"
	"strings"
	"time"
)

// propKind is how a property's value is written and what Go values it takes.
type propKind int

const (
	kindInt       propKind = iota // integer, optionally with named values (acks "all")
	kindMs                        // integer milliseconds, stored as a time.Duration
	kindFloatMs                   // fractional milliseconds, stored as a time.Duration (linger.ms)
	kindBool                      // true/t/1, false/f/0
	kindString                    // free text
	kindEnum                      // one of values
	kindFlags                     // comma-separated subset of values, "-x" removes x (debug)
	kindBrokers                   // comma-separated host[:port] list
	kindLogsChan                  // a chan LogEvent (go.logs.channel); "" means none
	kindAny                       // any value but nil, not interpreted (ignored properties)
	kindTopicConf                 // a map of properties (default.topic.config), merged by parseConfig
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
	// fail validate with ErrNotImplemented, giving onlyWhy when set.
	only    string
	onlyWhy string
	// unsupported, when set, marks a librdkafka property kprod recognizes
	// but does not implement: any value fails with ErrNotImplemented.
	unsupported string
	// noop, when set, says why a property kprod parses and validates has
	// no effect in kprod: what librdkafka does with it, kprod does anyway
	// or needs not do.
	noop string
	// deprecated marks a property librdkafka deprecates: New logs a
	// warning when it is set, as librdkafka does.
	deprecated bool
	// ignored, when set, is the warning New logs when the property is
	// set, after "Configuration property NAME ": a consumer property, or
	// one that does not apply to kprod. Any value is accepted.
	ignored string
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
var properties = slices.Concat(supportedProperties, connectionProperties, securityProperties,
	goProperties, unsupportedProperties(), ignoredProperties())

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
		note: "Must be 1 with idempotence.", only: "1",
		onlyWhy: "kprod builds a produce request only when its connection can take it, which is a threshold of 1",
		field:   intField(func(c *config) *int { return &c.backpressureThreshold })},
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
	{name: "socket.max.fails", kind: kindInt, min: 0, max: 1000000, def: "1", only: "1",
		note:    "kprod closes a connection at its first failed or timed-out request.",
		onlyWhy: "a response that does not come in time leaves the connection's stream unmatched, so kprod always closes it",
		field:   intField(func(c *config) *int { return &c.socketMaxFails })},
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
		note:   "Metadata older than this is stale: the producer refreshes at least this often, even with the periodic refresh off.",
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
	{name: "queuing.strategy", deprecated: true, kind: kindEnum, fold: true, values: []string{"fifo", "lifo"}, def: "fifo", only: "fifo",
		onlyWhy: "kprod sends each partition's messages in the order produced (lifo is deprecated and experimental in librdkafka)",
		field:   stringField(func(c *config) *string { return &c.queuingStrategy })},
	{name: "produce.offset.report", deprecated: true, kind: kindBool, def: "false", noop: "librdkafka no longer uses it."},
	{name: "builtin.features", kind: kindFlags, values: builtinFeatures, def: strings.Join(builtinFeatures, ","),
		note: "Setting it checks that kprod has each feature listed: sasl_gssapi and plugins are invalid values, as in a librdkafka built without them."},
	{name: "metadata.recovery.strategy", kind: kindEnum, fold: true, values: []string{"none", "rebootstrap"}, def: "rebootstrap",
		only: "rebootstrap", note: "kprod turns to the bootstrap servers whenever no broker from the metadata answers.",
		onlyWhy: "kprod always keeps the bootstrap servers among the brokers it tries"},
	{name: "metadata.recovery.rebootstrap.trigger.ms", kind: kindMs, min: 0, max: int32Max, def: "300000",
		noop: "kprod tries the bootstrap servers as soon as no known broker answers, without waiting this long."},
	{name: "topic.metadata.refresh.fast.cnt", deprecated: true, kind: kindInt, min: 0, max: 1000, def: "10",
		noop: "librdkafka no longer uses it."},
	{name: "topic.metadata.refresh.sparse", kind: kindBool, def: "true", only: "true",
		note: "kprod asks only for the topics it produces to.", onlyWhy: "kprod never asks for every topic's metadata"},
	{name: "log.connection.close", kind: kindBool, def: "true",
		noop: "kprod logs a closed connection only with debug broker, at level 7."},
	{name: "client.rack", kind: kindString, defDoc: "empty",
		noop: "Consumers use it to fetch from the nearest replica; a producer has nothing to send it in, in librdkafka too."},
	{name: "enable.metrics.push", kind: kindBool, def: "true",
		noop: "kprod does not push client metrics to the broker (KIP-714); a broker that asks gets none, as with false."},
}

// builtinFeatures are librdkafka's builtin.features that kprod has.
var builtinFeatures = []string{
	"gzip", "snappy", "ssl", "sasl", "regex", "lz4", "sasl_plain", "sasl_scram", "zstd",
	"sasl_oauthbearer", "http", "oidc",
}

// connectionProperties shape broker connections (internal/broker applies
// them).
var connectionProperties = []property{
	{name: "socket.nagle.disable", kind: kindBool, def: "true",
		note: "librdkafka's default is false; kprod keeps Go's, Nagle's algorithm off, unless set to false.",
		field: field{
			get: func(c *config) any { return !c.snd.Broker.Nagle },
			set: func(c *config, v any) bool { c.snd.Broker.Nagle = !v.(bool); return true },
		}},
	{name: "socket.send.buffer.bytes", kind: kindInt, min: 0, max: 100000000, def: "0", note: "0 leaves the system's size.",
		field: intField(func(c *config) *int { return &c.snd.Broker.SendBuffer })},
	{name: "socket.receive.buffer.bytes", kind: kindInt, min: 0, max: 100000000, def: "0", note: "0 leaves the system's size.",
		field: intField(func(c *config) *int { return &c.snd.Broker.ReceiveBuffer })},
	{name: "broker.address.family", kind: kindEnum, fold: true, values: []string{"any", "v4", "v6"}, def: "any",
		note: "v4 or v6 dials only addresses of that family.",
		field: field{
			get: func(c *config) any { return addressFamilies[c.snd.Broker.Network] },
			set: func(c *config, v any) bool {
				c.snd.Broker.Network = map[string]string{"any": "tcp", "v4": "tcp4", "v6": "tcp6"}[v.(string)]
				return true
			},
		}},
	// librdkafka's hidden properties: settable, left out of CONFIGURATION.md.
	{name: "client.software.name", kind: kindString, def: "kprod",
		noop: "kprod names itself kprod in the ApiVersions requests that carry a name."},
	{name: "client.software.version", kind: kindString, defDoc: "kprod's version",
		noop: "kprod sends its own version in the ApiVersions requests that carry one."},
	{name: "metadata.request.timeout.ms", kind: kindMs, min: 10, max: 900000, def: "10",
		noop: "librdkafka does not use it either; socket.timeout.ms bounds a metadata request."},
	{name: "enable.sparse.connections", kind: kindBool, def: "true",
		noop: "kprod connects to a broker only when it has something to send it, as with true."},
	{name: "message.copy.max.bytes", kind: kindInt, min: 0, max: 1000000000, def: "65535",
		noop: "kprod copies each payload once, into its batch, whatever its size."},
	{name: "broker.address.ttl", kind: kindMs, min: 0, max: 86400000, def: "1000",
		noop: "kprod resolves a broker's name at each connection attempt and caches no address."},
	{name: "client.dns.lookup", kind: kindEnum, fold: true, values: []string{"use_all_dns_ips", "resolve_canonical_bootstrap_servers_only"},
		def: "use_all_dns_ips", only: "use_all_dns_ips", note: "Go's dialer tries each address a name resolves to.",
		onlyWhy: "kprod does not resolve bootstrap servers to their canonical names"},
	{name: "connections.max.idle.ms", kind: kindMs, min: 0, max: int32Max, def: "0",
		defDoc: "0, or 230000 when bootstrap.servers names an azure host",
		note:   "0 keeps idle connections open; kprod reconnects when it next needs one. Unlike librdkafka, no jitter.",
		field:  msField(func(c *config) *time.Duration { return &c.snd.Broker.IdleTimeout })},
	{name: "api.version.request", deprecated: true, kind: kindBool, def: "true", only: "true",
		note: "kprod always asks a broker for its request versions.", onlyWhy: "kprod needs brokers that answer ApiVersions (Kafka 0.10 and later)"},
	{name: "api.version.request.timeout.ms", kind: kindMs, min: 1, max: 300000, def: "10000",
		note:  "socket.connection.setup.timeout.ms bounds it too.",
		field: msField(func(c *config) *time.Duration { return &c.snd.Broker.ApiVersionsTimeout })},
	{name: "api.version.fallback.ms", deprecated: true, kind: kindMs, min: 0, max: 604800000, def: "0",
		noop: "librdkafka uses it only when ApiVersions fails; kprod needs brokers that answer it."},
	{name: "broker.version.fallback", deprecated: true, kind: kindString, def: "0.10.0",
		noop: "librdkafka uses it only when ApiVersions is not asked for or fails; kprod needs brokers that answer it."},
	{name: "socket.blocking.max.ms", deprecated: true, kind: kindMs, min: 1, max: 60000, def: "1000",
		noop: "librdkafka no longer uses it."},
	{name: "reconnect.backoff.jitter.ms", deprecated: true, kind: kindMs, min: 0, max: 3600000, def: "0",
		noop: "librdkafka no longer uses it: reconnect.backoff.ms and reconnect.backoff.max.ms rule."},
}

// addressFamilies maps broker.Config.Network to broker.address.family.
var addressFamilies = map[string]string{"tcp": "any", "tcp4": "v4", "tcp6": "v6"}

// goProperties are confluent-kafka-go's go.* properties that concern a
// producer; ConfigValue hands them to the kafka package.
var goProperties = []property{
	{name: "default.topic.config", kind: kindTopicConf, defDoc: "none",
		note: "confluent-kafka-go's key: a ConfigMap (any map with string keys) of topic properties, applied as if set at the top level; each one also set at the top level is overridden, with a CONFWARN warning."},
	{name: "go.batch.producer", kind: kindBool, def: "false",
		noop: "confluent-kafka-go's key for its batching ProduceChannel reader; kprod needs no separate mode."},
	{name: "go.delivery.report.fields", kind: kindString, def: "key,value",
		note:  "confluent-kafka-go's key: all, none or a comma-separated subset of key, value, headers; the kafka package reads it.",
		field: stringField(func(c *config) *string { return &c.goDeliveryReportFields })},
	{name: "go.events.channel.size", kind: kindInt, min: 0, max: int32Max, def: "1000000",
		note:  "confluent-kafka-go's key; the kafka package reads it.",
		field: intField(func(c *config) *int { return &c.goEventsChannelSize })},
	{name: "go.produce.channel.size", kind: kindInt, min: 0, max: int32Max, def: "1000000",
		note:  "confluent-kafka-go's key; the kafka package reads it.",
		field: intField(func(c *config) *int { return &c.goProduceChannelSize })},
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
	{name: "sasl.oauthbearer.sub.claim.name", kind: kindString, def: "sub", only: "sub",
		onlyWhy: "kprod reads the principal of an OIDC token from its sub claim"},
	{name: "sasl.oauthbearer.grant.type", kind: kindEnum,
		values: []string{"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, def: "client_credentials",
		only: "client_credentials", onlyWhy: "the jwt-bearer grant is not implemented", field: stringField(func(c *config) *string { return &c.sec.grantType })},
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
		{"plugins are a librdkafka C feature", []string{"plugin.library.paths"}},
		{"librdkafka's mock cluster is not part of kprod: test with the kprodtest package", []string{
			"test.mock.num.brokers", "test.mock.broker.rtt",
		}},
		{"kprod does not hide topics from its metadata", []string{"topic.blacklist"}},
		{"a librdkafka callback set through its own function: kprod reports errors, throttling, statistics and token refreshes as events from Poll", []string{
			"error_cb", "throttle_cb", "stats_cb", "background_event_cb", "oauthbearer_token_refresh_cb",
		}},
		{"a librdkafka callback set through its own function: kprod logs through WithLogger or go.logs.channel", []string{"log_cb"}},
		{"a librdkafka callback set through its own function: kprod reports deliveries through Poll, a delivery channel or Events", []string{
			"dr_cb", "dr_msg_cb",
		}},
		{"a librdkafka callback set through its own function: give kprod a partitioner with WithPartitioner", []string{"partitioner_cb"}},
		{"a librdkafka callback set through its own function: kprod dials through WithDialer", []string{
			"socket_cb", "connect_cb", "closesocket_cb", "open_cb", "resolve_cb",
		}},
		{"set through its own librdkafka function: give kprod a *tls.Config with WithTLSConfig", []string{
			"ssl_key", "ssl_certificate", "ssl_ca", "ssl.certificate.verify_cb", "ssl_engine_callback_data",
		}},
		{"a librdkafka C pointer or callback set through its own function, with no kprod counterpart", []string{
			"opaque", "default_topic_conf", "interceptors", "msg_order_cmp",
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

// ignoredProperties returns the properties New accepts with any value and
// ignores, logging a warning: librdkafka's consumer properties, which a
// librdkafka producer ignores with the same warning, and librdkafka
// settings of its C runtime that mean nothing in Go.
func ignoredProperties() []property {
	groups := []struct {
		warning string
		names   []string
	}{
		{"is a consumer property and will be ignored by this producer instance", []string{
			"group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms",
			"heartbeat.interval.ms", "group.protocol.type", "group.protocol", "group.remote.assignor",
			"coordinator.query.interval.ms", "max.poll.interval.ms", "enable.auto.commit",
			"auto.commit.interval.ms", "enable.auto.offset.store", "queued.min.messages",
			"queued.max.messages.kbytes", "fetch.wait.max.ms", "fetch.queue.backoff.ms",
			"fetch.message.max.bytes", "max.partition.fetch.bytes", "fetch.max.bytes", "fetch.min.bytes",
			"fetch.error.backoff.ms", "offset.store.method", "isolation.level", "enable.partition.eof",
			"check.crcs", "max.poll.records", "share.acknowledgement.mode", "auto.commit.enable",
			"auto.offset.reset", "offset.store.path", "offset.store.sync.interval.ms",
			"consume.callback.max.messages", "go.events.channel.enable", "go.application.rebalance.enable",
			"consume_cb", "rebalance_cb", "offset_commit_cb",
		}},
		{"does not apply to kprod and is ignored: librdkafka's event mask for its C event API", []string{"enabled_events"}},
		{"does not apply to kprod and is ignored: kprod's logs go to WithLogger or go.logs.channel", []string{
			"log.queue", "log.thread.name",
		}},
		{"does not apply to kprod and is ignored: Go seeds its own random numbers", []string{"enable.random.seed"}},
		{"does not apply to kprod and is ignored: librdkafka's SASL callback queue", []string{"enable_sasl_queue"}},
		{"does not apply to kprod and is ignored: kprod's goroutines need no signal to end", []string{"internal.termination.signal"}},
	}
	var ps []property
	for _, g := range groups {
		for _, n := range g.names {
			ps = append(ps, property{name: n, kind: kindAny, ignored: g.warning})
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
