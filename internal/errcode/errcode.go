// Package errcode is the one vocabulary of a batch's fate inside the
// producer: librdkafka's error codes, how each is classified for retries,
// and the persistence status a batch carries.
//
// The public producer package has its own ErrorCode and PersistenceStatus
// types, because its API may not show internal types; they have the same
// numbers, and producer's drift test fails when the two disagree.
package errcode

import "fmt"

// Code is a librdkafka error code (rd_kafka_resp_err_t): a Kafka protocol
// error code as a broker returns it, or a local code from -199 to -101.
// The numbers are producer.ErrorCode's.
type Code int32

// Local codes: raised by the client, never sent by a broker.
const (
	Destroy            Code = -197 // the producer is closing
	Transport          Code = -195 // the broker connection failed
	MsgTimedOut        Code = -192 // message.timeout.ms passed
	TimedOut           Code = -185 // a request's response did not come in time
	Ssl                Code = -181 // TLS error
	Authentication     Code = -169 // SASL authentication failed
	TimedOutQueue      Code = -166 // a request timed out before it was sent
	UnsupportedFeature Code = -165 // the broker lacks a feature the producer needs
	PurgeQueue         Code = -152 // purged from the queue
	PurgeInflight      Code = -151 // purged while in flight
	Fatal              Code = -150 // the producer raised a fatal error
	Inconsistent       Code = -149 // the broker's answers contradict the producer's state
	GaplessGuarantee   Code = -148 // going on would break enable.gapless.guarantee
	Fenced             Code = -144 // a newer instance fenced this producer
)

// Kafka protocol codes.
const (
	NoError                            Code = 0
	InvalidMsg                         Code = 2 // CORRUPT_MESSAGE
	UnknownTopicOrPart                 Code = 3
	LeaderNotAvailable                 Code = 5
	NotLeaderForPartition              Code = 6 // NOT_LEADER_OR_FOLLOWER
	RequestTimedOut                    Code = 7
	BrokerNotAvailable                 Code = 8
	ReplicaNotAvailable                Code = 9
	NetworkException                   Code = 13
	CoordinatorLoadInProgress          Code = 14
	CoordinatorNotAvailable            Code = 15
	NotCoordinator                     Code = 16
	NotEnoughReplicas                  Code = 19
	NotEnoughReplicasAfterAppend       Code = 20
	TopicAuthorizationFailed           Code = 29
	ClusterAuthorizationFailed         Code = 31
	UnsupportedSaslMechanism           Code = 33
	IllegalSaslState                   Code = 34
	UnsupportedVersion                 Code = 35
	NotController                      Code = 41
	OutOfOrderSequenceNumber           Code = 45
	DuplicateSequenceNumber            Code = 46
	InvalidProducerEpoch               Code = 47
	InvalidTransactionTimeout          Code = 50
	TransactionalIDAuthorizationFailed Code = 53
	KafkaStorageError                  Code = 56
	SaslAuthenticationFailed           Code = 58
	UnknownProducerID                  Code = 59
	FetchSessionIDNotFound             Code = 70
	InvalidFetchSessionEpoch           Code = 71
	ListenerNotFound                   Code = 72
	FencedLeaderEpoch                  Code = 74
	UnknownLeaderEpoch                 Code = 75
	OffsetNotAvailable                 Code = 78
	PreferredLeaderNotAvailable        Code = 80
	EligibleLeadersNotAvailable        Code = 83
	ElectionNotNeeded                  Code = 84
	UnstableOffsetCommit               Code = 88
	ThrottlingQuotaExceeded            Code = 89
	ProducerFenced                     Code = 90
	UnknownTopicID                     Code = 100
	// Transactions and consumer groups.
	IllegalGeneration           Code = 22
	UnknownMemberID             Code = 25
	RebalanceInProgress         Code = 27
	GroupAuthorizationFailed    Code = 30
	UnsupportedForMessageFormat Code = 43
	InvalidTxnState             Code = 48
	InvalidProducerIDMapping    Code = 49
	ConcurrentTransactions      Code = 51
	OperationNotAttempted       Code = 55
	FencedInstanceID            Code = 82
	TransactionAbortable        Code = 120 // KIP-890: the transaction must be aborted
)

// Name returns librdkafka's name for the code (rd_kafka_err2name), such
// as "_MSG_TIMED_OUT" or "NOT_LEADER_FOR_PARTITION", or "ERR_<code>?" for
// a code this package does not define.
func (c Code) Name() string {
	if r, ok := index[c]; ok {
		return r.Name
	}
	return fmt.Sprintf("ERR_%d?", int32(c))
}

// String returns the code's name.
func (c Code) String() string { return c.Name() }

// Retriable reports whether an operation that failed with the code may
// succeed if it is tried again: producer.ErrorCode.IsRetriable. See Rule.
func (c Code) Retriable() bool { return index[c].Retriable }

// Produce returns how the sender handles a Produce attempt that ended with
// the code: a partition's error in a Produce response, or the connection
// failing after the request was written. A code without a rule is
// permanent and leaves the batch NotPersisted. See Rule.
func (c Code) Produce() Action { return index[c].Produce }
