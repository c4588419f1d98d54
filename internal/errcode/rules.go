package errcode

import "slices"

// Rule is what one code means for retries, in its two uses.
//
// Retriable is Kafka's classification, which producer.Error.IsRetriable
// reports: for broker codes, whether the Java client's exception is a
// RetriableException (Retriable in franz-go's kerr); for local codes, true
// for the transport and request timeout errors librdkafka retries a
// ProduceRequest on (_TRANSPORT, _SSL, _TIMED_OUT, _TIMED_OUT_QUEUE).
// _MSG_TIMED_OUT is not retriable: the message's own deadline has passed.
//
// Produce is what the sender does when a Produce attempt ends with the
// code, with idempotence off: librdkafka's rd_kafka_handle_Produce_error
// and the defaults of rd_kafka_err_action. The two agree wherever Produce
// retries: every code it retries is Retriable. They differ on Retriable
// codes that librdkafka's Produce handling does not list, which fall to its
// default and fail the batch for good: NETWORK_EXCEPTION, the coordinator,
// controller, fetch-session and leader-epoch codes, and the others below
// with a Retriable column of true and no retry. The sender never raises
// _SSL or _TIMED_OUT_QUEUE: a failed connection, TLS or not, is _TRANSPORT,
// and a request that cannot be written is retried as _TRANSPORT without
// counting.
//
// With idempotence on, OUT_OF_ORDER_SEQUENCE_NUMBER, DUPLICATE_SEQUENCE_NUMBER
// and UNKNOWN_PRODUCER_ID depend on the partition's sequences; the sender
// settles them before it consults Produce. Local codes other than
// _TRANSPORT and _TIMED_OUT end a batch where they are raised, with the
// status the situation gives it; their Produce is the permanent default.
type Rule struct {
	Code      Code
	Name      string // librdkafka's rd_kafka_err2name
	Retriable bool
	Produce   Action
}

// Action is how the sender handles a Produce attempt that ended with a
// code. The zero Action fails the batch for good, NotPersisted.
type Action struct {
	Retry   bool   // try again
	Counted bool   // the retry uses up one of `retries`
	Refresh bool   // refresh metadata first: the leader may have moved
	Status  Status // what the code says about persistence
}

// The Produce actions of the table.
var (
	permanent       = Action{Status: NotPersisted}
	permanentMaybe  = Action{Status: PossiblyPersisted}                                            // it may be in the log
	refreshRetry    = Action{Retry: true, Refresh: true, Status: NotPersisted}                     // leader or metadata: not counted
	countedRefresh  = Action{Retry: true, Counted: true, Refresh: true, Status: NotPersisted}      // refresh, and counted all the same
	countedRetry    = Action{Retry: true, Counted: true, Status: NotPersisted}                     // refused, not written
	countedMaybe    = Action{Retry: true, Counted: true, Status: PossiblyPersisted}                // may have been written
	connectionRetry = Action{Retry: true, Counted: true, Refresh: true, Status: PossiblyPersisted} // written, then the connection failed
)

// rules is the table: every code this package defines, in ascending order.
var rules = [...]Rule{
	{Destroy, "_DESTROY", false, permanent},
	{Transport, "_TRANSPORT", true, connectionRetry},
	{MsgTimedOut, "_MSG_TIMED_OUT", false, permanent},
	{TimedOut, "_TIMED_OUT", true, connectionRetry},
	{Ssl, "_SSL", true, permanent},
	{Authentication, "_AUTHENTICATION", false, permanent},
	{TimedOutQueue, "_TIMED_OUT_QUEUE", true, permanent},
	{UnsupportedFeature, "_UNSUPPORTED_FEATURE", false, permanent},
	{PurgeQueue, "_PURGE_QUEUE", false, permanent},
	{PurgeInflight, "_PURGE_INFLIGHT", false, permanent},
	{Fatal, "_FATAL", false, permanent},
	{Inconsistent, "_INCONSISTENT", false, permanent},
	{GaplessGuarantee, "_GAPLESS_GUARANTEE", false, permanent},
	{Fenced, "_FENCED", false, permanent},

	{NoError, "NO_ERROR", false, permanent},
	{InvalidMsg, "INVALID_MSG", true, countedRetry},
	{UnknownTopicOrPart, "UNKNOWN_TOPIC_OR_PART", true, refreshRetry},
	{LeaderNotAvailable, "LEADER_NOT_AVAILABLE", true, refreshRetry},
	{NotLeaderForPartition, "NOT_LEADER_FOR_PARTITION", true, refreshRetry},
	{RequestTimedOut, "REQUEST_TIMED_OUT", true, countedMaybe},
	{BrokerNotAvailable, "BROKER_NOT_AVAILABLE", true, refreshRetry},
	{ReplicaNotAvailable, "REPLICA_NOT_AVAILABLE", true, refreshRetry},
	{NetworkException, "NETWORK_EXCEPTION", true, permanent},
	{CoordinatorLoadInProgress, "COORDINATOR_LOAD_IN_PROGRESS", true, permanent},
	{CoordinatorNotAvailable, "COORDINATOR_NOT_AVAILABLE", true, permanent},
	{NotCoordinator, "NOT_COORDINATOR", true, permanent},
	{NotEnoughReplicas, "NOT_ENOUGH_REPLICAS", true, countedRetry},
	{NotEnoughReplicasAfterAppend, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, countedMaybe},
	{IllegalGeneration, "ILLEGAL_GENERATION", false, permanent},
	{UnknownMemberID, "UNKNOWN_MEMBER_ID", false, permanent},
	{RebalanceInProgress, "REBALANCE_IN_PROGRESS", false, permanent},
	{TopicAuthorizationFailed, "TOPIC_AUTHORIZATION_FAILED", false, permanent},
	{GroupAuthorizationFailed, "GROUP_AUTHORIZATION_FAILED", false, permanent},
	{ClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED", false, permanent},
	{UnsupportedSaslMechanism, "UNSUPPORTED_SASL_MECHANISM", false, permanent},
	{IllegalSaslState, "ILLEGAL_SASL_STATE", false, permanent},
	{UnsupportedVersion, "UNSUPPORTED_VERSION", false, permanent},
	{NotController, "NOT_CONTROLLER", true, permanent},
	{UnsupportedForMessageFormat, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false, permanent},
	{OutOfOrderSequenceNumber, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, permanentMaybe},
	{DuplicateSequenceNumber, "DUPLICATE_SEQUENCE_NUMBER", false, permanentMaybe},
	{InvalidProducerEpoch, "INVALID_PRODUCER_EPOCH", false, permanent},
	{InvalidTxnState, "INVALID_TXN_STATE", false, permanent},
	{InvalidProducerIDMapping, "INVALID_PRODUCER_ID_MAPPING", false, permanent},
	{InvalidTransactionTimeout, "INVALID_TRANSACTION_TIMEOUT", false, permanent},
	{ConcurrentTransactions, "CONCURRENT_TRANSACTIONS", false, permanent},
	{TransactionalIDAuthorizationFailed, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false, permanent},
	{OperationNotAttempted, "OPERATION_NOT_ATTEMPTED", false, permanent},
	{KafkaStorageError, "KAFKA_STORAGE_ERROR", true, countedRefresh},
	{SaslAuthenticationFailed, "SASL_AUTHENTICATION_FAILED", false, permanent},
	{UnknownProducerID, "UNKNOWN_PRODUCER_ID", false, permanent},
	{FetchSessionIDNotFound, "FETCH_SESSION_ID_NOT_FOUND", true, permanent},
	{InvalidFetchSessionEpoch, "INVALID_FETCH_SESSION_EPOCH", true, permanent},
	{ListenerNotFound, "LISTENER_NOT_FOUND", true, permanent},
	{FencedLeaderEpoch, "FENCED_LEADER_EPOCH", true, permanent},
	{UnknownLeaderEpoch, "UNKNOWN_LEADER_EPOCH", true, permanent},
	{OffsetNotAvailable, "OFFSET_NOT_AVAILABLE", true, permanent},
	{PreferredLeaderNotAvailable, "PREFERRED_LEADER_NOT_AVAILABLE", true, permanent},
	{FencedInstanceID, "FENCED_INSTANCE_ID", false, permanent},
	{EligibleLeadersNotAvailable, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, permanent},
	{ElectionNotNeeded, "ELECTION_NOT_NEEDED", true, permanent},
	{UnstableOffsetCommit, "UNSTABLE_OFFSET_COMMIT", true, permanent},
	{ThrottlingQuotaExceeded, "THROTTLING_QUOTA_EXCEEDED", true, permanent},
	{ProducerFenced, "PRODUCER_FENCED", false, permanent},
	{UnknownTopicID, "UNKNOWN_TOPIC_ID", true, permanent},
	{TransactionAbortable, "TRANSACTION_ABORTABLE", false, permanent},
}

// index maps a code to its rule. It is built once and only read afterwards.
var index = func() map[Code]Rule {
	m := make(map[Code]Rule, len(rules))
	for _, r := range rules {
		m[r.Code] = r
	}
	return m
}()

// Rules returns a copy of the table, one rule per code this package
// defines, in ascending order of code.
func Rules() []Rule { return slices.Clone(rules[:]) }
