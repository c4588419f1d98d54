package producer

import "fmt"

// Local error codes: errors raised by the client itself, never sent by a
// broker. They are librdkafka's RD_KAFKA_RESP_ERR__* codes (two underscores),
// numbered from -199 upwards, and their descriptions start with "Local: ".
// Not every local code can come out of a producer; the rest are kept so that
// every librdkafka code has its name.
const (
	ErrBadMsg                 ErrorCode = -199 // a received message or response was malformed
	ErrBadCompression         ErrorCode = -198 // compressed data was invalid or used an unknown codec
	ErrDestroy                ErrorCode = -197 // the producer is being closed
	ErrFail                   ErrorCode = -196 // generic failure, for errors that carry no better code
	ErrTransport              ErrorCode = -195 // the broker connection failed
	ErrCritSysResource        ErrorCode = -194 // a critical system resource (thread, memory) could not be had
	ErrResolve                ErrorCode = -193 // a broker host name could not be resolved
	ErrMsgTimedOut            ErrorCode = -192 // the message was not delivered within message.timeout.ms
	ErrPartitionEOF           ErrorCode = -191 // a consumer reached the end of a partition (consumer only)
	ErrUnknownPartition       ErrorCode = -190 // the partition does not exist in the cluster
	ErrFs                     ErrorCode = -189 // file or filesystem error
	ErrUnknownTopic           ErrorCode = -188 // the topic does not exist in the cluster
	ErrAllBrokersDown         ErrorCode = -187 // every broker connection is down
	ErrInvalidArg             ErrorCode = -186 // an argument or configuration property is invalid
	ErrTimedOut               ErrorCode = -185 // an operation or in-flight request timed out
	ErrQueueFull              ErrorCode = -184 // the producer queue is full (queue.buffering.max.*)
	ErrIsrInsuff              ErrorCode = -183 // fewer in-sync replicas than required acks
	ErrNodeUpdate             ErrorCode = -182 // a broker's address changed
	ErrSsl                    ErrorCode = -181 // TLS handshake or transport error
	ErrWaitCoord              ErrorCode = -180 // waiting for a coordinator to become available
	ErrUnknownGroup           ErrorCode = -179 // unknown consumer group
	ErrInProgress             ErrorCode = -178 // the operation is already in progress
	ErrPrevInProgress         ErrorCode = -177 // a previous operation is still in progress
	ErrExistingSubscription   ErrorCode = -176 // the operation would interfere with an existing subscription
	ErrAssignPartitions       ErrorCode = -175 // partitions were assigned (rebalance event)
	ErrRevokePartitions       ErrorCode = -174 // partitions were revoked (rebalance event)
	ErrConflict               ErrorCode = -173 // conflicting use of an object
	ErrState                  ErrorCode = -172 // the current state does not allow the operation
	ErrUnknownProtocol        ErrorCode = -171 // unknown protocol
	ErrNotImplemented         ErrorCode = -170 // the feature is not implemented
	ErrAuthentication         ErrorCode = -169 // authentication with the broker failed
	ErrNoOffset               ErrorCode = -168 // no stored offset
	ErrOutdated               ErrorCode = -167 // the object or request is outdated
	ErrTimedOutQueue          ErrorCode = -166 // a request timed out before it was sent
	ErrUnsupportedFeature     ErrorCode = -165 // the broker does not support a required feature
	ErrWaitCache              ErrorCode = -164 // waiting for a metadata cache update
	ErrIntr                   ErrorCode = -163 // the operation was interrupted
	ErrKeySerialization       ErrorCode = -162 // the key could not be serialized
	ErrValueSerialization     ErrorCode = -161 // the value could not be serialized
	ErrKeyDeserialization     ErrorCode = -160 // the key could not be deserialized
	ErrValueDeserialization   ErrorCode = -159 // the value could not be deserialized
	ErrPartial                ErrorCode = -158 // only part of a response was received
	ErrReadOnly               ErrorCode = -157 // a read-only object was modified
	ErrNoent                  ErrorCode = -156 // no such entry or item
	ErrUnderflow              ErrorCode = -155 // a buffer was read past its end
	ErrInvalidType            ErrorCode = -154 // invalid type
	ErrRetry                  ErrorCode = -153 // internal: the request is to be retried
	ErrPurgeQueue             ErrorCode = -152 // the message was purged from the queue before it was sent
	ErrPurgeInflight          ErrorCode = -151 // the message was purged while its request was in flight
	ErrFatal                  ErrorCode = -150 // a fatal error was raised; the producer can no longer be used
	ErrInconsistent           ErrorCode = -149 // internal state is inconsistent
	ErrGaplessGuarantee       ErrorCode = -148 // going on would break enable.gapless.guarantee
	ErrMaxPollExceeded        ErrorCode = -147 // max.poll.interval.ms was exceeded (consumer only)
	ErrUnknownBroker          ErrorCode = -146 // unknown broker
	ErrNotConfigured          ErrorCode = -145 // the functionality is not configured
	ErrFenced                 ErrorCode = -144 // a newer instance with the same transactional.id fenced this one
	ErrApplication            ErrorCode = -143 // an error raised by the application
	ErrAssignmentLost         ErrorCode = -142 // the group partition assignment was lost (consumer only)
	ErrNoop                   ErrorCode = -141 // no operation was performed
	ErrAutoOffsetReset        ErrorCode = -140 // no offset to reset to automatically (consumer only)
	ErrLogTruncation          ErrorCode = -139 // partition log truncation detected (consumer only)
	ErrInvalidDifferentRecord ErrorCode = -138 // another, invalid record in the same batch failed this one
	ErrDestroyBroker          ErrorCode = -137 // a broker connection was removed while the producer runs
)

// Broker error codes: the Kafka protocol's error codes as a broker returns
// them, with librdkafka's names. Their descriptions start with "Broker: ".
const (
	ErrUnknown                            ErrorCode = -1  // unexpected server error
	ErrNoError                            ErrorCode = 0   // success
	ErrOffsetOutOfRange                   ErrorCode = 1   // the offset is outside the partition's range
	ErrInvalidMsg                         ErrorCode = 2   // the message failed its CRC check or is otherwise corrupt
	ErrUnknownTopicOrPart                 ErrorCode = 3   // the broker does not host this topic or partition
	ErrInvalidMsgSize                     ErrorCode = 4   // the message size is invalid
	ErrLeaderNotAvailable                 ErrorCode = 5   // the partition has no leader (election in progress)
	ErrNotLeaderForPartition              ErrorCode = 6   // the broker is not the partition's leader (NOT_LEADER_OR_FOLLOWER)
	ErrRequestTimedOut                    ErrorCode = 7   // the broker timed the request out (for example waiting for acks)
	ErrBrokerNotAvailable                 ErrorCode = 8   // the broker is not available
	ErrReplicaNotAvailable                ErrorCode = 9   // a replica is not available
	ErrMsgSizeTooLarge                    ErrorCode = 10  // the message is larger than the broker or topic accepts
	ErrStaleCtrlEpoch                     ErrorCode = 11  // the controller moved to another broker
	ErrOffsetMetadataTooLarge             ErrorCode = 12  // the offset commit metadata is too large
	ErrNetworkException                   ErrorCode = 13  // the broker disconnected before it responded
	ErrCoordinatorLoadInProgress          ErrorCode = 14  // the coordinator is still loading
	ErrCoordinatorNotAvailable            ErrorCode = 15  // the coordinator is not available
	ErrNotCoordinator                     ErrorCode = 16  // the broker is not the coordinator
	ErrTopicException                     ErrorCode = 17  // the topic name is invalid
	ErrRecordListTooLarge                 ErrorCode = 18  // the batch is larger than the broker's segment size
	ErrNotEnoughReplicas                  ErrorCode = 19  // fewer in-sync replicas than min.insync.replicas; not written
	ErrNotEnoughReplicasAfterAppend       ErrorCode = 20  // written, but to fewer in-sync replicas than required
	ErrInvalidRequiredAcks                ErrorCode = 21  // the acks value is invalid
	ErrIllegalGeneration                  ErrorCode = 22  // the group generation id is not valid
	ErrInconsistentGroupProtocol          ErrorCode = 23  // the member's group protocols are incompatible
	ErrInvalidGroupID                     ErrorCode = 24  // the group.id is invalid
	ErrUnknownMemberID                    ErrorCode = 25  // the coordinator does not know this member
	ErrInvalidSessionTimeout              ErrorCode = 26  // the session timeout is out of the broker's range
	ErrRebalanceInProgress                ErrorCode = 27  // the group is rebalancing
	ErrInvalidCommitOffsetSize            ErrorCode = 28  // the offset commit data size is invalid
	ErrTopicAuthorizationFailed           ErrorCode = 29  // not authorized for the topic
	ErrGroupAuthorizationFailed           ErrorCode = 30  // not authorized for the group
	ErrClusterAuthorizationFailed         ErrorCode = 31  // not authorized for a cluster operation (such as IdempotentWrite)
	ErrInvalidTimestamp                   ErrorCode = 32  // the message timestamp is out of the accepted range
	ErrUnsupportedSaslMechanism           ErrorCode = 33  // the broker does not support the SASL mechanism
	ErrIllegalSaslState                   ErrorCode = 34  // the request is not valid in the current SASL state
	ErrUnsupportedVersion                 ErrorCode = 35  // the broker does not support the API version
	ErrTopicAlreadyExists                 ErrorCode = 36  // the topic already exists
	ErrInvalidPartitions                  ErrorCode = 37  // invalid number of partitions
	ErrInvalidReplicationFactor           ErrorCode = 38  // invalid replication factor
	ErrInvalidReplicaAssignment           ErrorCode = 39  // invalid replica assignment
	ErrInvalidConfig                      ErrorCode = 40  // the configuration is invalid
	ErrNotController                      ErrorCode = 41  // the broker is not the controller
	ErrInvalidRequest                     ErrorCode = 42  // the request is malformed
	ErrUnsupportedForMessageFormat        ErrorCode = 43  // the broker's message format does not support the request
	ErrPolicyViolation                    ErrorCode = 44  // the request violates a broker policy
	ErrOutOfOrderSequenceNumber           ErrorCode = 45  // the idempotent batch's sequence number is out of order
	ErrDuplicateSequenceNumber            ErrorCode = 46  // the idempotent batch was already written
	ErrInvalidProducerEpoch               ErrorCode = 47  // the producer epoch is stale
	ErrInvalidTxnState                    ErrorCode = 48  // the transactional operation is invalid in the current state
	ErrInvalidProducerIDMapping           ErrorCode = 49  // the producer id is not assigned to the transactional id
	ErrInvalidTransactionTimeout          ErrorCode = 50  // transaction.timeout.ms exceeds the broker's maximum
	ErrConcurrentTransactions             ErrorCode = 51  // another operation on the same transaction is in progress
	ErrTransactionCoordinatorFenced       ErrorCode = 52  // the transaction coordinator is no longer current
	ErrTransactionalIDAuthorizationFailed ErrorCode = 53  // not authorized for the transactional id
	ErrSecurityDisabled                   ErrorCode = 54  // security features are disabled on the broker
	ErrOperationNotAttempted              ErrorCode = 55  // the broker did not attempt the operation
	ErrKafkaStorageError                  ErrorCode = 56  // the broker had a disk error on the partition's log
	ErrLogDirNotFound                     ErrorCode = 57  // the log directory is not in the broker's config
	ErrSaslAuthenticationFailed           ErrorCode = 58  // SASL authentication failed
	ErrUnknownProducerID                  ErrorCode = 59  // the broker has no state for the producer id
	ErrReassignmentInProgress             ErrorCode = 60  // a partition reassignment is in progress
	ErrDelegationTokenAuthDisabled        ErrorCode = 61  // delegation tokens are not enabled
	ErrDelegationTokenNotFound            ErrorCode = 62  // the delegation token was not found
	ErrDelegationTokenOwnerMismatch       ErrorCode = 63  // the principal is not the token's owner or renewer
	ErrDelegationTokenRequestNotAllowed   ErrorCode = 64  // delegation token requests are not allowed on this connection
	ErrDelegationTokenAuthorizationFailed ErrorCode = 65  // not authorized for the delegation token
	ErrDelegationTokenExpired             ErrorCode = 66  // the delegation token has expired
	ErrInvalidPrincipalType               ErrorCode = 67  // the principal type is not supported
	ErrNonEmptyGroup                      ErrorCode = 68  // the group is not empty
	ErrGroupIDNotFound                    ErrorCode = 69  // the group id does not exist
	ErrFetchSessionIDNotFound             ErrorCode = 70  // the fetch session was not found
	ErrInvalidFetchSessionEpoch           ErrorCode = 71  // the fetch session epoch is invalid
	ErrListenerNotFound                   ErrorCode = 72  // the leader has no listener matching the request's
	ErrTopicDeletionDisabled              ErrorCode = 73  // topic deletion is disabled
	ErrFencedLeaderEpoch                  ErrorCode = 74  // the request's leader epoch is older than the broker's
	ErrUnknownLeaderEpoch                 ErrorCode = 75  // the request's leader epoch is newer than the broker's
	ErrUnsupportedCompressionType         ErrorCode = 76  // the broker does not support the compression type
	ErrStaleBrokerEpoch                   ErrorCode = 77  // the broker epoch has changed
	ErrOffsetNotAvailable                 ErrorCode = 78  // the leader's high watermark has not caught up
	ErrMemberIDRequired                   ErrorCode = 79  // the group member needs a member id
	ErrPreferredLeaderNotAvailable        ErrorCode = 80  // the preferred leader is not available
	ErrGroupMaxSizeReached                ErrorCode = 81  // the consumer group is full
	ErrFencedInstanceID                   ErrorCode = 82  // another consumer with the same group.instance.id fenced this one
	ErrEligibleLeadersNotAvailable        ErrorCode = 83  // no eligible partition leader is available
	ErrElectionNotNeeded                  ErrorCode = 84  // no leader election is needed for the partition
	ErrNoReassignmentInProgress           ErrorCode = 85  // no partition reassignment is in progress
	ErrGroupSubscribedToTopic             ErrorCode = 86  // the group is still subscribed to the topic whose offsets are being deleted
	ErrInvalidRecord                      ErrorCode = 87  // the broker rejected a record in the batch
	ErrUnstableOffsetCommit               ErrorCode = 88  // unstable offsets must be cleared first
	ErrThrottlingQuotaExceeded            ErrorCode = 89  // a throttling quota was exceeded
	ErrProducerFenced                     ErrorCode = 90  // a newer producer with the same transactional.id fenced this one
	ErrResourceNotFound                   ErrorCode = 91  // the request referred to a resource that does not exist
	ErrDuplicateResource                  ErrorCode = 92  // the request referred to the same resource twice
	ErrUnacceptableCredential             ErrorCode = 93  // the credential does not meet the acceptability criteria
	ErrInconsistentVoterSet               ErrorCode = 94  // a voter-only request came from or to a non-voter
	ErrInvalidUpdateVersion               ErrorCode = 95  // invalid update version
	ErrFeatureUpdateFailed                ErrorCode = 96  // finalized features could not be updated
	ErrPrincipalDeserializationFailure    ErrorCode = 97  // the forwarded request's principal could not be deserialized
	ErrUnknownTopicID                     ErrorCode = 100 // the broker does not host this topic id
	ErrFencedMemberEpoch                  ErrorCode = 110 // the group coordinator fenced the member epoch
	ErrUnreleasedInstanceID               ErrorCode = 111 // another group member still uses the instance id
	ErrUnsupportedAssignor                ErrorCode = 112 // the group does not support the assignor or its version
	ErrStaleMemberEpoch                   ErrorCode = 113 // the member epoch is stale
	ErrUnknownSubscriptionID              ErrorCode = 117 // the telemetry subscription id is unknown or outdated
	ErrTelemetryTooLarge                  ErrorCode = 118 // the telemetry push is larger than the broker accepts
	ErrTransactionAbortable               ErrorCode = 120 // the transaction cannot complete and must be aborted (KIP-890)
	ErrRebootstrapRequired                ErrorCode = 129 // the client's metadata is stale and it must re-bootstrap
)

// errCodeInfo describes one librdkafka error code.
type errCodeInfo struct {
	code ErrorCode
	name string // rd_kafka_err2name: the enum name without RD_KAFKA_RESP_ERR_
	desc string // rd_kafka_err2str
}

// errCodeTable is librdkafka's rd_kafka_err_descs (librdkafka 2.12): every
// code that rd_kafka_err2str and rd_kafka_err2name know. A code missing here
// gets librdkafka's "Err-%d?" and "ERR_%d?" placeholders. Which codes are
// retriable is in internal/errcode's table, next to how the sender handles
// each in a Produce response.
var errCodeTable = [...]errCodeInfo{
	{ErrBadMsg, "_BAD_MSG", "Local: Bad message format"},
	{ErrBadCompression, "_BAD_COMPRESSION", "Local: Invalid compressed data"},
	{ErrDestroy, "_DESTROY", "Local: Broker handle destroyed for termination"},
	{ErrFail, "_FAIL", "Local: Communication failure with broker"},
	{ErrTransport, "_TRANSPORT", "Local: Broker transport failure"},
	{ErrCritSysResource, "_CRIT_SYS_RESOURCE", "Local: Critical system resource failure"},
	{ErrResolve, "_RESOLVE", "Local: Host resolution failure"},
	{ErrMsgTimedOut, "_MSG_TIMED_OUT", "Local: Message timed out"},
	{ErrPartitionEOF, "_PARTITION_EOF", "Broker: No more messages"},
	{ErrUnknownPartition, "_UNKNOWN_PARTITION", "Local: Unknown partition"},
	{ErrFs, "_FS", "Local: File or filesystem error"},
	{ErrUnknownTopic, "_UNKNOWN_TOPIC", "Local: Unknown topic"},
	{ErrAllBrokersDown, "_ALL_BROKERS_DOWN", "Local: All broker connections are down"},
	{ErrInvalidArg, "_INVALID_ARG", "Local: Invalid argument or configuration"},
	{ErrTimedOut, "_TIMED_OUT", "Local: Timed out"},
	{ErrQueueFull, "_QUEUE_FULL", "Local: Queue full"},
	{ErrIsrInsuff, "_ISR_INSUFF", "Local: ISR count insufficient"},
	{ErrNodeUpdate, "_NODE_UPDATE", "Local: Broker node update"},
	{ErrSsl, "_SSL", "Local: SSL error"},
	{ErrWaitCoord, "_WAIT_COORD", "Local: Waiting for coordinator"},
	{ErrUnknownGroup, "_UNKNOWN_GROUP", "Local: Unknown group"},
	{ErrInProgress, "_IN_PROGRESS", "Local: Operation in progress"},
	{ErrPrevInProgress, "_PREV_IN_PROGRESS", "Local: Previous operation in progress"},
	{ErrExistingSubscription, "_EXISTING_SUBSCRIPTION", "Local: Existing subscription"},
	{ErrAssignPartitions, "_ASSIGN_PARTITIONS", "Local: Assign partitions"},
	{ErrRevokePartitions, "_REVOKE_PARTITIONS", "Local: Revoke partitions"},
	{ErrConflict, "_CONFLICT", "Local: Conflicting use"},
	{ErrState, "_STATE", "Local: Erroneous state"},
	{ErrUnknownProtocol, "_UNKNOWN_PROTOCOL", "Local: Unknown protocol"},
	{ErrNotImplemented, "_NOT_IMPLEMENTED", "Local: Not implemented"},
	{ErrAuthentication, "_AUTHENTICATION", "Local: Authentication failure"},
	{ErrNoOffset, "_NO_OFFSET", "Local: No offset stored"},
	{ErrOutdated, "_OUTDATED", "Local: Outdated"},
	{ErrTimedOutQueue, "_TIMED_OUT_QUEUE", "Local: Timed out in queue"},
	{ErrUnsupportedFeature, "_UNSUPPORTED_FEATURE", "Local: Required feature not supported by broker"},
	{ErrWaitCache, "_WAIT_CACHE", "Local: Awaiting cache update"},
	{ErrIntr, "_INTR", "Local: Operation interrupted"},
	{ErrKeySerialization, "_KEY_SERIALIZATION", "Local: Key serialization error"},
	{ErrValueSerialization, "_VALUE_SERIALIZATION", "Local: Value serialization error"},
	{ErrKeyDeserialization, "_KEY_DESERIALIZATION", "Local: Key deserialization error"},
	{ErrValueDeserialization, "_VALUE_DESERIALIZATION", "Local: Value deserialization error"},
	{ErrPartial, "_PARTIAL", "Local: Partial response"},
	{ErrReadOnly, "_READ_ONLY", "Local: Read-only object"},
	{ErrNoent, "_NOENT", "Local: No such entry"},
	{ErrUnderflow, "_UNDERFLOW", "Local: Read underflow"},
	{ErrInvalidType, "_INVALID_TYPE", "Local: Invalid type"},
	{ErrRetry, "_RETRY", "Local: Retry operation"},
	{ErrPurgeQueue, "_PURGE_QUEUE", "Local: Purged in queue"},
	{ErrPurgeInflight, "_PURGE_INFLIGHT", "Local: Purged in flight"},
	{ErrFatal, "_FATAL", "Local: Fatal error"},
	{ErrInconsistent, "_INCONSISTENT", "Local: Inconsistent state"},
	{ErrGaplessGuarantee, "_GAPLESS_GUARANTEE", "Local: Gap-less ordering would not be guaranteed if proceeding"},
	{ErrMaxPollExceeded, "_MAX_POLL_EXCEEDED", "Local: Maximum application poll interval (max.poll.interval.ms) exceeded"},
	{ErrUnknownBroker, "_UNKNOWN_BROKER", "Local: Unknown broker"},
	{ErrNotConfigured, "_NOT_CONFIGURED", "Local: Functionality not configured"},
	{ErrFenced, "_FENCED", "Local: This instance has been fenced by a newer instance"},
	{ErrApplication, "_APPLICATION", "Local: Application generated error"},
	{ErrAssignmentLost, "_ASSIGNMENT_LOST", "Local: Group partition assignment lost"},
	{ErrNoop, "_NOOP", "Local: No operation performed"},
	{ErrAutoOffsetReset, "_AUTO_OFFSET_RESET", "Local: No offset to automatically reset to"},
	{ErrLogTruncation, "_LOG_TRUNCATION", "Local: Partition log truncation detected"},
	{ErrInvalidDifferentRecord, "_INVALID_DIFFERENT_RECORD", "Local: an invalid record in the same batch caused the failure of this message too"},
	{ErrDestroyBroker, "_DESTROY_BROKER", "Local: Broker handle destroyed without termination"},

	{ErrUnknown, "UNKNOWN", "Unknown broker error"},
	{ErrNoError, "NO_ERROR", "Success"},
	{ErrOffsetOutOfRange, "OFFSET_OUT_OF_RANGE", "Broker: Offset out of range"},
	{ErrInvalidMsg, "INVALID_MSG", "Broker: Invalid message"},
	{ErrUnknownTopicOrPart, "UNKNOWN_TOPIC_OR_PART", "Broker: Unknown topic or partition"},
	{ErrInvalidMsgSize, "INVALID_MSG_SIZE", "Broker: Invalid message size"},
	{ErrLeaderNotAvailable, "LEADER_NOT_AVAILABLE", "Broker: Leader not available"},
	{ErrNotLeaderForPartition, "NOT_LEADER_FOR_PARTITION", "Broker: Not leader for partition"},
	{ErrRequestTimedOut, "REQUEST_TIMED_OUT", "Broker: Request timed out"},
	{ErrBrokerNotAvailable, "BROKER_NOT_AVAILABLE", "Broker: Broker not available"},
	{ErrReplicaNotAvailable, "REPLICA_NOT_AVAILABLE", "Broker: Replica not available"},
	{ErrMsgSizeTooLarge, "MSG_SIZE_TOO_LARGE", "Broker: Message size too large"},
	{ErrStaleCtrlEpoch, "STALE_CTRL_EPOCH", "Broker: StaleControllerEpochCode"},
	{ErrOffsetMetadataTooLarge, "OFFSET_METADATA_TOO_LARGE", "Broker: Offset metadata string too large"},
	{ErrNetworkException, "NETWORK_EXCEPTION", "Broker: Broker disconnected before response received"},
	{ErrCoordinatorLoadInProgress, "COORDINATOR_LOAD_IN_PROGRESS", "Broker: Coordinator load in progress"},
	{ErrCoordinatorNotAvailable, "COORDINATOR_NOT_AVAILABLE", "Broker: Coordinator not available"},
	{ErrNotCoordinator, "NOT_COORDINATOR", "Broker: Not coordinator"},
	{ErrTopicException, "TOPIC_EXCEPTION", "Broker: Invalid topic"},
	{ErrRecordListTooLarge, "RECORD_LIST_TOO_LARGE", "Broker: Message batch larger than configured server segment size"},
	{ErrNotEnoughReplicas, "NOT_ENOUGH_REPLICAS", "Broker: Not enough in-sync replicas"},
	{ErrNotEnoughReplicasAfterAppend, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "Broker: Message(s) written to insufficient number of in-sync replicas"},
	{ErrInvalidRequiredAcks, "INVALID_REQUIRED_ACKS", "Broker: Invalid required acks value"},
	{ErrIllegalGeneration, "ILLEGAL_GENERATION", "Broker: Specified group generation id is not valid"},
	{ErrInconsistentGroupProtocol, "INCONSISTENT_GROUP_PROTOCOL", "Broker: Inconsistent group protocol"},
	{ErrInvalidGroupID, "INVALID_GROUP_ID", "Broker: Invalid group.id"},
	{ErrUnknownMemberID, "UNKNOWN_MEMBER_ID", "Broker: Unknown member"},
	{ErrInvalidSessionTimeout, "INVALID_SESSION_TIMEOUT", "Broker: Invalid session timeout"},
	{ErrRebalanceInProgress, "REBALANCE_IN_PROGRESS", "Broker: Group rebalance in progress"},
	{ErrInvalidCommitOffsetSize, "INVALID_COMMIT_OFFSET_SIZE", "Broker: Commit offset data size is not valid"},
	{ErrTopicAuthorizationFailed, "TOPIC_AUTHORIZATION_FAILED", "Broker: Topic authorization failed"},
	{ErrGroupAuthorizationFailed, "GROUP_AUTHORIZATION_FAILED", "Broker: Group authorization failed"},
	{ErrClusterAuthorizationFailed, "CLUSTER_AUTHORIZATION_FAILED", "Broker: Cluster authorization failed"},
	{ErrInvalidTimestamp, "INVALID_TIMESTAMP", "Broker: Invalid timestamp"},
	{ErrUnsupportedSaslMechanism, "UNSUPPORTED_SASL_MECHANISM", "Broker: Unsupported SASL mechanism"},
	{ErrIllegalSaslState, "ILLEGAL_SASL_STATE", "Broker: Request not valid in current SASL state"},
	{ErrUnsupportedVersion, "UNSUPPORTED_VERSION", "Broker: API version not supported"},
	{ErrTopicAlreadyExists, "TOPIC_ALREADY_EXISTS", "Broker: Topic already exists"},
	{ErrInvalidPartitions, "INVALID_PARTITIONS", "Broker: Invalid number of partitions"},
	{ErrInvalidReplicationFactor, "INVALID_REPLICATION_FACTOR", "Broker: Invalid replication factor"},
	{ErrInvalidReplicaAssignment, "INVALID_REPLICA_ASSIGNMENT", "Broker: Invalid replica assignment"},
	{ErrInvalidConfig, "INVALID_CONFIG", "Broker: Configuration is invalid"},
	{ErrNotController, "NOT_CONTROLLER", "Broker: Not controller for cluster"},
	{ErrInvalidRequest, "INVALID_REQUEST", "Broker: Invalid request"},
	{ErrUnsupportedForMessageFormat, "UNSUPPORTED_FOR_MESSAGE_FORMAT", "Broker: Message format on broker does not support request"},
	{ErrPolicyViolation, "POLICY_VIOLATION", "Broker: Policy violation"},
	{ErrOutOfOrderSequenceNumber, "OUT_OF_ORDER_SEQUENCE_NUMBER", "Broker: Broker received an out of order sequence number"},
	{ErrDuplicateSequenceNumber, "DUPLICATE_SEQUENCE_NUMBER", "Broker: Broker received a duplicate sequence number"},
	{ErrInvalidProducerEpoch, "INVALID_PRODUCER_EPOCH", "Broker: Producer attempted an operation with an old epoch"},
	{ErrInvalidTxnState, "INVALID_TXN_STATE", "Broker: Producer attempted a transactional operation in an invalid state"},
	{ErrInvalidProducerIDMapping, "INVALID_PRODUCER_ID_MAPPING", "Broker: Producer attempted to use a producer id which is not currently assigned to its transactional id"},
	{ErrInvalidTransactionTimeout, "INVALID_TRANSACTION_TIMEOUT", "Broker: Transaction timeout is larger than the maximum value allowed by the broker's max.transaction.timeout.ms"},
	{ErrConcurrentTransactions, "CONCURRENT_TRANSACTIONS", "Broker: Producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing"},
	{ErrTransactionCoordinatorFenced, "TRANSACTION_COORDINATOR_FENCED", "Broker: Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer"},
	{ErrTransactionalIDAuthorizationFailed, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "Broker: Transactional Id authorization failed"},
	{ErrSecurityDisabled, "SECURITY_DISABLED", "Broker: Security features are disabled"},
	{ErrOperationNotAttempted, "OPERATION_NOT_ATTEMPTED", "Broker: Operation not attempted"},
	{ErrKafkaStorageError, "KAFKA_STORAGE_ERROR", "Broker: Disk error when trying to access log file on disk"},
	{ErrLogDirNotFound, "LOG_DIR_NOT_FOUND", "Broker: The user-specified log directory is not found in the broker config"},
	{ErrSaslAuthenticationFailed, "SASL_AUTHENTICATION_FAILED", "Broker: SASL Authentication failed"},
	{ErrUnknownProducerID, "UNKNOWN_PRODUCER_ID", "Broker: Unknown Producer Id"},
	{ErrReassignmentInProgress, "REASSIGNMENT_IN_PROGRESS", "Broker: Partition reassignment is in progress"},
	{ErrDelegationTokenAuthDisabled, "DELEGATION_TOKEN_AUTH_DISABLED", "Broker: Delegation Token feature is not enabled"},
	{ErrDelegationTokenNotFound, "DELEGATION_TOKEN_NOT_FOUND", "Broker: Delegation Token is not found on server"},
	{ErrDelegationTokenOwnerMismatch, "DELEGATION_TOKEN_OWNER_MISMATCH", "Broker: Specified Principal is not valid Owner/Renewer"},
	{ErrDelegationTokenRequestNotAllowed, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", "Broker: Delegation Token requests are not allowed on this connection"},
	{ErrDelegationTokenAuthorizationFailed, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", "Broker: Delegation Token authorization failed"},
	{ErrDelegationTokenExpired, "DELEGATION_TOKEN_EXPIRED", "Broker: Delegation Token is expired"},
	{ErrInvalidPrincipalType, "INVALID_PRINCIPAL_TYPE", "Broker: Supplied principalType is not supported"},
	{ErrNonEmptyGroup, "NON_EMPTY_GROUP", "Broker: The group is not empty"},
	{ErrGroupIDNotFound, "GROUP_ID_NOT_FOUND", "Broker: The group id does not exist"},
	{ErrFetchSessionIDNotFound, "FETCH_SESSION_ID_NOT_FOUND", "Broker: The fetch session ID was not found"},
	{ErrInvalidFetchSessionEpoch, "INVALID_FETCH_SESSION_EPOCH", "Broker: The fetch session epoch is invalid"},
	{ErrListenerNotFound, "LISTENER_NOT_FOUND", "Broker: No matching listener"},
	{ErrTopicDeletionDisabled, "TOPIC_DELETION_DISABLED", "Broker: Topic deletion is disabled"},
	{ErrFencedLeaderEpoch, "FENCED_LEADER_EPOCH", "Broker: Leader epoch is older than broker epoch"},
	{ErrUnknownLeaderEpoch, "UNKNOWN_LEADER_EPOCH", "Broker: Leader epoch is newer than broker epoch"},
	{ErrUnsupportedCompressionType, "UNSUPPORTED_COMPRESSION_TYPE", "Broker: Unsupported compression type"},
	{ErrStaleBrokerEpoch, "STALE_BROKER_EPOCH", "Broker: Broker epoch has changed"},
	{ErrOffsetNotAvailable, "OFFSET_NOT_AVAILABLE", "Broker: Leader high watermark is not caught up"},
	{ErrMemberIDRequired, "MEMBER_ID_REQUIRED", "Broker: Group member needs a valid member ID"},
	{ErrPreferredLeaderNotAvailable, "PREFERRED_LEADER_NOT_AVAILABLE", "Broker: Preferred leader was not available"},
	{ErrGroupMaxSizeReached, "GROUP_MAX_SIZE_REACHED", "Broker: Consumer group has reached maximum size"},
	{ErrFencedInstanceID, "FENCED_INSTANCE_ID", "Broker: Static consumer fenced by other consumer with same group.instance.id"},
	{ErrEligibleLeadersNotAvailable, "ELIGIBLE_LEADERS_NOT_AVAILABLE", "Broker: Eligible partition leaders are not available"},
	{ErrElectionNotNeeded, "ELECTION_NOT_NEEDED", "Broker: Leader election not needed for topic partition"},
	{ErrNoReassignmentInProgress, "NO_REASSIGNMENT_IN_PROGRESS", "Broker: No partition reassignment is in progress"},
	{ErrGroupSubscribedToTopic, "GROUP_SUBSCRIBED_TO_TOPIC", "Broker: Deleting offsets of a topic while the consumer group is subscribed to it"},
	{ErrInvalidRecord, "INVALID_RECORD", "Broker: Broker failed to validate record"},
	{ErrUnstableOffsetCommit, "UNSTABLE_OFFSET_COMMIT", "Broker: There are unstable offsets that need to be cleared"},
	{ErrThrottlingQuotaExceeded, "THROTTLING_QUOTA_EXCEEDED", "Broker: Throttling quota has been exceeded"},
	{ErrProducerFenced, "PRODUCER_FENCED", "Broker: There is a newer producer with the same transactionalId which fences the current one"},
	{ErrResourceNotFound, "RESOURCE_NOT_FOUND", "Broker: Request illegally referred to resource that does not exist"},
	{ErrDuplicateResource, "DUPLICATE_RESOURCE", "Broker: Request illegally referred to the same resource twice"},
	{ErrUnacceptableCredential, "UNACCEPTABLE_CREDENTIAL", "Broker: Requested credential would not meet criteria for acceptability"},
	{ErrInconsistentVoterSet, "INCONSISTENT_VOTER_SET", "Broker: Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters"},
	{ErrInvalidUpdateVersion, "INVALID_UPDATE_VERSION", "Broker: Invalid update version"},
	{ErrFeatureUpdateFailed, "FEATURE_UPDATE_FAILED", "Broker: Unable to update finalized features due to server error"},
	{ErrPrincipalDeserializationFailure, "PRINCIPAL_DESERIALIZATION_FAILURE", "Broker: Request principal deserialization failed during forwarding"},
	{ErrUnknownTopicID, "UNKNOWN_TOPIC_ID", "Broker: Unknown topic id"},
	{ErrFencedMemberEpoch, "FENCED_MEMBER_EPOCH", "Broker: The member epoch is fenced by the group coordinator"},
	{ErrUnreleasedInstanceID, "UNRELEASED_INSTANCE_ID", "Broker: The instance ID is still used by another member in the consumer group"},
	{ErrUnsupportedAssignor, "UNSUPPORTED_ASSIGNOR", "Broker: The assignor or its version range is not supported by the consumer group"},
	{ErrStaleMemberEpoch, "STALE_MEMBER_EPOCH", "Broker: The member epoch is stale"},
	{ErrUnknownSubscriptionID, "UNKNOWN_SUBSCRIPTION_ID", "Broker: Client sent a push telemetry request with an invalid or outdated subscription ID"},
	{ErrTelemetryTooLarge, "TELEMETRY_TOO_LARGE", "Broker: Client sent a push telemetry request larger than the maximum size the broker will accept"},
	{ErrTransactionAbortable, "TRANSACTION_ABORTABLE", "Broker: Transaction cannot complete and must be aborted"},
	{ErrRebootstrapRequired, "REBOOTSTRAP_REQUIRED", "Broker: Client metadata is stale, client should rebootstrap to obtain new metadata"},
}

// errCodeIndex maps a code to its errCodeTable entry. It is built once and
// only read afterwards.
var errCodeIndex = func() map[ErrorCode]*errCodeInfo {
	m := make(map[ErrorCode]*errCodeInfo, len(errCodeTable))
	for i := range errCodeTable {
		m[errCodeTable[i].code] = &errCodeTable[i]
	}
	return m
}()

// String returns librdkafka's description of the code, as rd_kafka_err2str
// does: "Local: Queue full", "Broker: Message size too large". A code
// librdkafka does not know reads "Err-<code>?".
func (c ErrorCode) String() string {
	if info, ok := errCodeIndex[c]; ok {
		return info.desc
	}
	return fmt.Sprintf("Err-%d?", int32(c))
}

// Error returns the same text as String, so that an ErrorCode can be returned
// and matched as an error.
func (c ErrorCode) Error() string { return c.String() }

// Name returns librdkafka's name for the code, as rd_kafka_err2name does: the
// enum name without its RD_KAFKA_RESP_ERR_ prefix, so local codes start with
// an underscore ("_QUEUE_FULL") and broker codes do not
// ("MSG_SIZE_TOO_LARGE"). A code librdkafka does not know reads
// "ERR_<code>?".
func (c ErrorCode) Name() string {
	if info, ok := errCodeIndex[c]; ok {
		return info.name
	}
	return fmt.Sprintf("ERR_%d?", int32(c))
}

// IsRetriable reports whether an operation that failed with this code may
// succeed if it is sent again, typically after a metadata refresh or a
// backoff. For broker codes this is Kafka's own classification (the Java
// client's RetriableException); for local codes it is true for the transport
// and request timeout errors librdkafka retries (ErrTransport, ErrSsl,
// ErrTimedOut, ErrTimedOutQueue). ErrMsgTimedOut is not retriable: the
// message's delivery deadline has passed. Unknown codes are not retriable.
func (c ErrorCode) IsRetriable() bool { return internalCode(c).Retriable() }
