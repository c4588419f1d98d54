package producer

import (
	"math"
	"testing"
	"time"
)

// txnSettings are the config values transactional.id and
// transaction.timeout.ms decide or derive.
type txnSettings struct {
	id                          string
	txnTimeout, socketTimeout   time.Duration
	messageTimeout, linger      time.Duration
	idempotent                  bool
	maxInFlight, retries, backp int
	acks                        int16
}

func txnSettingsOf(c *config) txnSettings {
	return txnSettings{
		id:             c.transactionalID,
		txnTimeout:     c.transactionTimeout,
		socketTimeout:  c.snd.Broker.RequestTimeout,
		messageTimeout: c.snd.MessageTimeout,
		linger:         c.linger,
		idempotent:     c.snd.Idempotent,
		maxInFlight:    c.snd.MaxInFlight,
		retries:        c.snd.Retries,
		backp:          c.backpressureThreshold,
		acks:           c.snd.Acks,
	}
}

func TestConfigTransactionalDerivedValues(t *testing.T) {
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	// plain is a producer without transactional.id; txn one with "t" and
	// every default, which idempotence and the transaction timeout adjust.
	plain := txnSettings{txnTimeout: ms(60000), socketTimeout: ms(60000), messageTimeout: ms(300000), linger: ms(5),
		maxInFlight: 1000000, retries: math.MaxInt32, backp: 1, acks: -1}
	txn := txnSettings{id: "t", txnTimeout: ms(60000), socketTimeout: ms(59900), messageTimeout: ms(60000), linger: ms(5),
		idempotent: true, maxInFlight: 5, retries: math.MaxInt32, backp: 1, acks: -1}
	with := func(s txnSettings, f func(*txnSettings)) txnSettings { f(&s); return s }
	tests := []struct {
		name string
		m    ConfigMap
		want txnSettings
	}{
		{"without transactional.id nothing is derived", withBroker(), plain},
		{"an empty transactional.id is not transactional", withBroker("transactional.id", ""), plain},
		{"transaction.timeout.ms alone derives nothing",
			withBroker("transaction.timeout.ms", 5000),
			with(plain, func(s *txnSettings) { s.txnTimeout = ms(5000) })},
		{"transactional.id turns idempotence on with its settings and bounds both timeouts",
			withBroker("transactional.id", "t"), txn},
		{"transactional.id with enable.idempotence=true set is the same",
			withBroker("transactional.id", "t", "enable.idempotence", true), txn},
		{"transactional.id is left-trimmed like every string property",
			withBroker("transactional.id", "  t"), txn},
		{"the socket timeout is the transaction timeout less 100 ms",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 10000),
			with(txn, func(s *txnSettings) { s.txnTimeout, s.socketTimeout, s.messageTimeout = ms(10000), ms(9900), ms(10000) })},
		{"the socket timeout is at least 900 ms",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 1000),
			with(txn, func(s *txnSettings) { s.txnTimeout, s.socketTimeout, s.messageTimeout = ms(1000), ms(900), ms(1000) })},
		{"the socket timeout from a 1001 ms transaction timeout is 901 ms",
			withBroker("transactional.id", "t", "transaction.timeout.ms", "1001"),
			with(txn, func(s *txnSettings) { s.txnTimeout, s.socketTimeout, s.messageTimeout = ms(1001), ms(901), ms(1001) })},
		{"the derived socket timeout may exceed socket.timeout.ms's own range",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 900000),
			with(txn, func(s *txnSettings) {
				s.txnTimeout, s.socketTimeout, s.messageTimeout = ms(900000), ms(899900), ms(900000)
			})},
		{"the largest transaction timeout is accepted",
			withBroker("transactional.id", "t", "transaction.timeout.ms", int64(math.MaxInt32)),
			with(txn, func(s *txnSettings) {
				s.txnTimeout, s.socketTimeout, s.messageTimeout = ms(math.MaxInt32), ms(math.MaxInt32-100), ms(math.MaxInt32)
			})},
		{"an explicit socket timeout of transaction timeout + 100 is kept",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 1000, "socket.timeout.ms", 1100),
			with(txn, func(s *txnSettings) { s.txnTimeout, s.socketTimeout, s.messageTimeout = ms(1000), ms(1100), ms(1000) })},
		{"an explicit socket timeout below the transaction timeout is kept",
			withBroker("transactional.id", "t", "socket.timeout.ms", 10),
			with(txn, func(s *txnSettings) { s.socketTimeout = ms(10) })},
		{"an explicit message timeout equal to the transaction timeout is kept",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 5000, "message.timeout.ms", 5000),
			with(txn, func(s *txnSettings) { s.txnTimeout, s.socketTimeout, s.messageTimeout = ms(5000), ms(4900), ms(5000) })},
		{"an explicit delivery timeout below the transaction timeout is kept",
			withBroker("transactional.id", "t", "delivery.timeout.ms", 3000),
			with(txn, func(s *txnSettings) { s.messageTimeout = ms(3000) })},
		{"an explicit message timeout of 0, no timeout, is kept as librdkafka keeps it",
			withBroker("transactional.id", "t", "message.timeout.ms", 0),
			with(txn, func(s *txnSettings) { s.messageTimeout = 0 })},
		{"an explicit linger below the derived message timeout is kept",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 1000, "linger.ms", 999.5),
			with(txn, func(s *txnSettings) {
				s.txnTimeout, s.socketTimeout, s.messageTimeout, s.linger = ms(1000), ms(900), ms(1000), 999500*time.Microsecond
			})},
		{"a default linger is lowered below a short explicit message timeout",
			withBroker("transactional.id", "t", "message.timeout.ms", 4),
			with(txn, func(s *txnSettings) { s.messageTimeout, s.linger = ms(4), 3900*time.Microsecond })},
		{"explicit in-flight, retries and acks within idempotence's bounds are kept",
			withBroker("transactional.id", "t", "max.in.flight", 1, "retries", 3, "acks", "all"),
			with(txn, func(s *txnSettings) { s.maxInFlight, s.retries = 1, 3 })},
		{"transaction.timeout.ms without transactional.id brings no idempotence bound",
			withBroker("enable.idempotence", false, "max.in.flight", 6, "transaction.timeout.ms", 1000),
			with(plain, func(s *txnSettings) { s.maxInFlight, s.txnTimeout = 6, ms(1000) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := txnSettingsOf(mustParse(t, tt.m)); got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestConfigTransactionalGaplessGuaranteeIsAllowed(t *testing.T) {
	c := mustParse(t, withBroker("transactional.id", "t", "enable.gapless.guarantee", true))
	if !c.snd.Gapless || !c.snd.Idempotent {
		t.Errorf("gapless, idempotent = %v, %v; want true, true", c.snd.Gapless, c.snd.Idempotent)
	}
}

func TestConfigTransactionalConflicts(t *testing.T) {
	const (
		idempotence = "`transactional.id` requires `enable.idempotence=true`"
		socket      = "`socket.timeout.ms` must be set <= `transaction.timeout.ms` + 100"
		message     = "`message.timeout.ms` must be set <= `transaction.timeout.ms`"
		linger      = "`message.timeout.ms` must be greater than `linger.ms`"
	)
	tests := []struct {
		name string
		m    ConfigMap
		msg  string
	}{
		{"transactional.id with enable.idempotence=false set is an error",
			withBroker("transactional.id", "t", "enable.idempotence", false), idempotence},
		{"transactional.id with enable.idempotence \"0\" set is an error",
			withBroker("transactional.id", "t", "enable.idempotence", "0"), idempotence},
		{"a socket timeout above transaction timeout + 100 is an error",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 1000, "socket.timeout.ms", 1101), socket},
		{"a socket timeout above the default transaction timeout + 100 is an error",
			withBroker("transactional.id", "t", "socket.timeout.ms", 60101), socket},
		{"a message timeout above the transaction timeout is an error",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 1000, "message.timeout.ms", 1001), message},
		{"an explicit delivery timeout of librdkafka's default 300000 is above the default transaction timeout",
			withBroker("transactional.id", "t", "delivery.timeout.ms", 300000), message},
		{"an explicit linger equal to the derived message timeout is an error",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 1000, "linger.ms", 1000), linger},
		{"an explicit linger above the default transaction timeout is an error",
			withBroker("transactional.id", "t", "queue.buffering.max.ms", 60000.5), linger},
		{"transactional.id brings idempotence's in-flight bound",
			withBroker("transactional.id", "t", "max.in.flight.requests.per.connection", 6),
			"`max.in.flight` must be set <= 5 when `enable.idempotence` is true"},
		{"transactional.id brings idempotence's retries bound",
			withBroker("transactional.id", "t", "retries", 0), "`retries` must be set >= 1 when `enable.idempotence` is true"},
		{"transactional.id brings idempotence's acks rule",
			withBroker("transactional.id", "t", "acks", 1), "`acks` must be set to `all` when `enable.idempotence` is true"},
		{"transactional.id brings idempotence's backpressure rule",
			withBroker("transactional.id", "t", "queue.buffering.backpressure.threshold", 2),
			"`queue.buffering.backpressure.threshold` must be set to 1 when `enable.idempotence` is true"},
		{"enable.idempotence=false is reported before the socket timeout, as in librdkafka",
			withBroker("transactional.id", "t", "enable.idempotence", false, "socket.timeout.ms", 300000), idempotence},
		{"the socket timeout is reported before the in-flight bound, as in librdkafka",
			withBroker("transactional.id", "t", "socket.timeout.ms", 300000, "max.in.flight", 6), socket},
		{"acks are reported before the message timeout, as in librdkafka",
			withBroker("transactional.id", "t", "acks", 0, "message.timeout.ms", 70000),
			"`acks` must be set to `all` when `enable.idempotence` is true"},
		{"an explicit linger above an explicit message timeout is reported before the transaction bound",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 1000, "message.timeout.ms", 2000, "linger.ms", 3000), linger},
		{"a transaction timeout below 1000 ms is out of range",
			withBroker("transactional.id", "t", "transaction.timeout.ms", 999),
			`Configuration property "transaction.timeout.ms" value 999 is outside allowed range 1000..2147483647`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.m, ErrInvalidArg, tt.msg) })
	}
}
