package kafka

import (
	"fmt"
	"time"

	"github.com/kprod-go/kprod/producer"
)

// Event is what Events and a deliveryChan carry: a *Message (a delivery
// report), an Error (a client-level problem: all brokers down, a fatal
// error, a failed authentication), a *Stats (with statistics.interval.ms)
// or an OAuthBearerTokenRefresh.
type Event interface {
	// String describes the event.
	String() string
}

// Stats is the statistics event, emitted every statistics.interval.ms:
// String is librdkafka's statistics JSON, as confluent-kafka-go's.
type Stats struct {
	s *producer.Stats
}

// String returns the statistics as librdkafka's JSON.
func (e *Stats) String() string { return e.s.String() }

// Typed returns the statistics as Go values (kprod only: confluent-kafka-go
// has the JSON alone).
func (e *Stats) Typed() *producer.Stats { return e.s }

// OAuthBearerToken is an OAUTHBEARER token given to SetOAuthBearerToken,
// with confluent-kafka-go's fields (TokenValue, Expiration, Principal,
// Extensions).
type OAuthBearerToken = producer.OAuthBearerToken

// OAuthBearerTokenRefresh is the event asking for a new OAUTHBEARER token,
// with sasl.oauthbearer.config in Config; answer it with
// SetOAuthBearerToken or SetOAuthBearerTokenFailure.
type OAuthBearerTokenRefresh = producer.OAuthBearerTokenRefresh

// LogEvent is one log line, from Logs with go.logs.channel.enable=true.
type LogEvent struct {
	Name      string    // the client instance, client.id#producer-N
	Tag       string    // librdkafka's facility: "FAIL", "METADATA", ...
	Message   string    // the line
	Level     int       // syslog level: lower is more severe
	Timestamp time.Time // when it was logged
}

// String formats the line as [time][name][tag][level]message.
func (e LogEvent) String() string {
	return fmt.Sprintf("[%v][%s][%s][%d]%s", e.Timestamp.Format(time.RFC3339), e.Name, e.Tag, e.Level, e.Message)
}

// Handle is what confluent-kafka-go's clients share, for code that answers
// OAuthBearerTokenRefresh events whichever client raised them. Here the
// Producer is the only one.
type Handle interface {
	// SetOAuthBearerToken sets the OAUTHBEARER token.
	SetOAuthBearerToken(oauthBearerToken OAuthBearerToken) error
	// SetOAuthBearerTokenFailure tells the client no token could be had.
	SetOAuthBearerTokenFailure(errstr string) error
	// IsClosed reports whether the client is closed.
	IsClosed() bool
	isHandle() // only this package's clients are Handles
}

// isHandle makes Producer a Handle.
func (*Producer) isHandle() {}
