package kafka

import "github.com/kprod-go/kprod/producer"

// ErrorCode is a librdkafka error code, as confluent-kafka-go's
// kafka.ErrorCode: negative codes are raised by the client itself, positive
// ones are Kafka protocol codes as a broker returns them. The numbers are
// librdkafka's, taken from package producer's ErrorCode, so a code from
// either package converts to the other unchanged.
type ErrorCode int

// String returns librdkafka's description of the code ("Local: Queue
// full", "Broker: Message size too large"), as rd_kafka_err2str.
func (c ErrorCode) String() string {
	if d, ok := newerBrokerCodes[c]; ok {
		return "Broker: " + d
	}
	return producer.ErrorCode(c).String()
}

// Local error codes, raised by the client, with confluent-kafka-go's names.
// Each is the producer package's code of the same name.
const (
	ErrBadMsg                 = ErrorCode(producer.ErrBadMsg)
	ErrBadCompression         = ErrorCode(producer.ErrBadCompression)
	ErrDestroy                = ErrorCode(producer.ErrDestroy)
	ErrFail                   = ErrorCode(producer.ErrFail)
	ErrTransport              = ErrorCode(producer.ErrTransport)
	ErrCritSysResource        = ErrorCode(producer.ErrCritSysResource)
	ErrResolve                = ErrorCode(producer.ErrResolve)
	ErrMsgTimedOut            = ErrorCode(producer.ErrMsgTimedOut)
	ErrPartitionEOF           = ErrorCode(producer.ErrPartitionEOF)
	ErrUnknownPartition       = ErrorCode(producer.ErrUnknownPartition)
	ErrFs                     = ErrorCode(producer.ErrFs)
	ErrUnknownTopic           = ErrorCode(producer.ErrUnknownTopic)
	ErrAllBrokersDown         = ErrorCode(producer.ErrAllBrokersDown)
	ErrInvalidArg             = ErrorCode(producer.ErrInvalidArg)
	ErrTimedOut               = ErrorCode(producer.ErrTimedOut)
	ErrQueueFull              = ErrorCode(producer.ErrQueueFull)
	ErrIsrInsuff              = ErrorCode(producer.ErrIsrInsuff)
	ErrNodeUpdate             = ErrorCode(producer.ErrNodeUpdate)
	ErrSsl                    = ErrorCode(producer.ErrSsl)
	ErrWaitCoord              = ErrorCode(producer.ErrWaitCoord)
	ErrUnknownGroup           = ErrorCode(producer.ErrUnknownGroup)
	ErrInProgress             = ErrorCode(producer.ErrInProgress)
	ErrPrevInProgress         = ErrorCode(producer.ErrPrevInProgress)
	ErrExistingSubscription   = ErrorCode(producer.ErrExistingSubscription)
	ErrAssignPartitions       = ErrorCode(producer.ErrAssignPartitions)
	ErrRevokePartitions       = ErrorCode(producer.ErrRevokePartitions)
	ErrConflict               = ErrorCode(producer.ErrConflict)
	ErrState                  = ErrorCode(producer.ErrState)
	ErrUnknownProtocol        = ErrorCode(producer.ErrUnknownProtocol)
	ErrNotImplemented         = ErrorCode(producer.ErrNotImplemented)
	ErrAuthentication         = ErrorCode(producer.ErrAuthentication)
	ErrNoOffset               = ErrorCode(producer.ErrNoOffset)
	ErrOutdated               = ErrorCode(producer.ErrOutdated)
	ErrTimedOutQueue          = ErrorCode(producer.ErrTimedOutQueue)
	ErrUnsupportedFeature     = ErrorCode(producer.ErrUnsupportedFeature)
	ErrWaitCache              = ErrorCode(producer.ErrWaitCache)
	ErrIntr                   = ErrorCode(producer.ErrIntr)
	ErrKeySerialization       = ErrorCode(producer.ErrKeySerialization)
	ErrValueSerialization     = ErrorCode(producer.ErrValueSerialization)
	ErrKeyDeserialization     = ErrorCode(producer.ErrKeyDeserialization)
	ErrValueDeserialization   = ErrorCode(producer.ErrValueDeserialization)
	ErrPartial                = ErrorCode(producer.ErrPartial)
	ErrReadOnly               = ErrorCode(producer.ErrReadOnly)
	ErrNoent                  = ErrorCode(producer.ErrNoent)
	ErrUnderflow              = ErrorCode(producer.ErrUnderflow)
	ErrInvalidType            = ErrorCode(producer.ErrInvalidType)
	ErrRetry                  = ErrorCode(producer.ErrRetry)
	ErrPurgeQueue             = ErrorCode(producer.ErrPurgeQueue)
	ErrPurgeInflight          = ErrorCode(producer.ErrPurgeInflight)
	ErrFatal                  = ErrorCode(producer.ErrFatal)
	ErrInconsistent           = ErrorCode(producer.ErrInconsistent)
	ErrGaplessGuarantee       = ErrorCode(producer.ErrGaplessGuarantee)
	ErrMaxPollExceeded        = ErrorCode(producer.ErrMaxPollExceeded)
	ErrUnknownBroker          = ErrorCode(producer.ErrUnknownBroker)
	ErrNotConfigured          = ErrorCode(producer.ErrNotConfigured)
	ErrFenced                 = ErrorCode(producer.ErrFenced)
	ErrApplication            = ErrorCode(producer.ErrApplication)
	ErrAssignmentLost         = ErrorCode(producer.ErrAssignmentLost)
	ErrNoop                   = ErrorCode(producer.ErrNoop)
	ErrAutoOffsetReset        = ErrorCode(producer.ErrAutoOffsetReset)
	ErrLogTruncation          = ErrorCode(producer.ErrLogTruncation)
	ErrInvalidDifferentRecord = ErrorCode(producer.ErrInvalidDifferentRecord)
	ErrDestroyBroker          = ErrorCode(producer.ErrDestroyBroker)
	ErrUnknown                = ErrorCode(producer.ErrUnknown)
)

// Broker error codes, as a broker returns them, with confluent-kafka-go's
// names. Each is the producer package's code of the same name.
const (
	ErrNoError                            = ErrorCode(producer.ErrNoError)
	ErrOffsetOutOfRange                   = ErrorCode(producer.ErrOffsetOutOfRange)
	ErrInvalidMsg                         = ErrorCode(producer.ErrInvalidMsg)
	ErrUnknownTopicOrPart                 = ErrorCode(producer.ErrUnknownTopicOrPart)
	ErrInvalidMsgSize                     = ErrorCode(producer.ErrInvalidMsgSize)
	ErrLeaderNotAvailable                 = ErrorCode(producer.ErrLeaderNotAvailable)
	ErrNotLeaderForPartition              = ErrorCode(producer.ErrNotLeaderForPartition)
	ErrRequestTimedOut                    = ErrorCode(producer.ErrRequestTimedOut)
	ErrBrokerNotAvailable                 = ErrorCode(producer.ErrBrokerNotAvailable)
	ErrReplicaNotAvailable                = ErrorCode(producer.ErrReplicaNotAvailable)
	ErrMsgSizeTooLarge                    = ErrorCode(producer.ErrMsgSizeTooLarge)
	ErrStaleCtrlEpoch                     = ErrorCode(producer.ErrStaleCtrlEpoch)
	ErrOffsetMetadataTooLarge             = ErrorCode(producer.ErrOffsetMetadataTooLarge)
	ErrNetworkException                   = ErrorCode(producer.ErrNetworkException)
	ErrCoordinatorLoadInProgress          = ErrorCode(producer.ErrCoordinatorLoadInProgress)
	ErrCoordinatorNotAvailable            = ErrorCode(producer.ErrCoordinatorNotAvailable)
	ErrNotCoordinator                     = ErrorCode(producer.ErrNotCoordinator)
	ErrTopicException                     = ErrorCode(producer.ErrTopicException)
	ErrRecordListTooLarge                 = ErrorCode(producer.ErrRecordListTooLarge)
	ErrNotEnoughReplicas                  = ErrorCode(producer.ErrNotEnoughReplicas)
	ErrNotEnoughReplicasAfterAppend       = ErrorCode(producer.ErrNotEnoughReplicasAfterAppend)
	ErrInvalidRequiredAcks                = ErrorCode(producer.ErrInvalidRequiredAcks)
	ErrIllegalGeneration                  = ErrorCode(producer.ErrIllegalGeneration)
	ErrInconsistentGroupProtocol          = ErrorCode(producer.ErrInconsistentGroupProtocol)
	ErrInvalidGroupID                     = ErrorCode(producer.ErrInvalidGroupID)
	ErrUnknownMemberID                    = ErrorCode(producer.ErrUnknownMemberID)
	ErrInvalidSessionTimeout              = ErrorCode(producer.ErrInvalidSessionTimeout)
	ErrRebalanceInProgress                = ErrorCode(producer.ErrRebalanceInProgress)
	ErrInvalidCommitOffsetSize            = ErrorCode(producer.ErrInvalidCommitOffsetSize)
	ErrTopicAuthorizationFailed           = ErrorCode(producer.ErrTopicAuthorizationFailed)
	ErrGroupAuthorizationFailed           = ErrorCode(producer.ErrGroupAuthorizationFailed)
	ErrClusterAuthorizationFailed         = ErrorCode(producer.ErrClusterAuthorizationFailed)
	ErrInvalidTimestamp                   = ErrorCode(producer.ErrInvalidTimestamp)
	ErrUnsupportedSaslMechanism           = ErrorCode(producer.ErrUnsupportedSaslMechanism)
	ErrIllegalSaslState                   = ErrorCode(producer.ErrIllegalSaslState)
	ErrUnsupportedVersion                 = ErrorCode(producer.ErrUnsupportedVersion)
	ErrTopicAlreadyExists                 = ErrorCode(producer.ErrTopicAlreadyExists)
	ErrInvalidPartitions                  = ErrorCode(producer.ErrInvalidPartitions)
	ErrInvalidReplicationFactor           = ErrorCode(producer.ErrInvalidReplicationFactor)
	ErrInvalidReplicaAssignment           = ErrorCode(producer.ErrInvalidReplicaAssignment)
	ErrInvalidConfig                      = ErrorCode(producer.ErrInvalidConfig)
	ErrNotController                      = ErrorCode(producer.ErrNotController)
	ErrInvalidRequest                     = ErrorCode(producer.ErrInvalidRequest)
	ErrUnsupportedForMessageFormat        = ErrorCode(producer.ErrUnsupportedForMessageFormat)
	ErrPolicyViolation                    = ErrorCode(producer.ErrPolicyViolation)
	ErrOutOfOrderSequenceNumber           = ErrorCode(producer.ErrOutOfOrderSequenceNumber)
	ErrDuplicateSequenceNumber            = ErrorCode(producer.ErrDuplicateSequenceNumber)
	ErrInvalidProducerEpoch               = ErrorCode(producer.ErrInvalidProducerEpoch)
	ErrInvalidTxnState                    = ErrorCode(producer.ErrInvalidTxnState)
	ErrInvalidProducerIDMapping           = ErrorCode(producer.ErrInvalidProducerIDMapping)
	ErrInvalidTransactionTimeout          = ErrorCode(producer.ErrInvalidTransactionTimeout)
	ErrConcurrentTransactions             = ErrorCode(producer.ErrConcurrentTransactions)
	ErrTransactionCoordinatorFenced       = ErrorCode(producer.ErrTransactionCoordinatorFenced)
	ErrTransactionalIDAuthorizationFailed = ErrorCode(producer.ErrTransactionalIDAuthorizationFailed)
	ErrSecurityDisabled                   = ErrorCode(producer.ErrSecurityDisabled)
	ErrOperationNotAttempted              = ErrorCode(producer.ErrOperationNotAttempted)
	ErrKafkaStorageError                  = ErrorCode(producer.ErrKafkaStorageError)
	ErrLogDirNotFound                     = ErrorCode(producer.ErrLogDirNotFound)
	ErrSaslAuthenticationFailed           = ErrorCode(producer.ErrSaslAuthenticationFailed)
	ErrUnknownProducerID                  = ErrorCode(producer.ErrUnknownProducerID)
	ErrReassignmentInProgress             = ErrorCode(producer.ErrReassignmentInProgress)
	ErrDelegationTokenAuthDisabled        = ErrorCode(producer.ErrDelegationTokenAuthDisabled)
	ErrDelegationTokenNotFound            = ErrorCode(producer.ErrDelegationTokenNotFound)
	ErrDelegationTokenOwnerMismatch       = ErrorCode(producer.ErrDelegationTokenOwnerMismatch)
	ErrDelegationTokenRequestNotAllowed   = ErrorCode(producer.ErrDelegationTokenRequestNotAllowed)
	ErrDelegationTokenAuthorizationFailed = ErrorCode(producer.ErrDelegationTokenAuthorizationFailed)
	ErrDelegationTokenExpired             = ErrorCode(producer.ErrDelegationTokenExpired)
	ErrInvalidPrincipalType               = ErrorCode(producer.ErrInvalidPrincipalType)
	ErrNonEmptyGroup                      = ErrorCode(producer.ErrNonEmptyGroup)
	ErrGroupIDNotFound                    = ErrorCode(producer.ErrGroupIDNotFound)
	ErrFetchSessionIDNotFound             = ErrorCode(producer.ErrFetchSessionIDNotFound)
	ErrInvalidFetchSessionEpoch           = ErrorCode(producer.ErrInvalidFetchSessionEpoch)
	ErrListenerNotFound                   = ErrorCode(producer.ErrListenerNotFound)
	ErrTopicDeletionDisabled              = ErrorCode(producer.ErrTopicDeletionDisabled)
	ErrFencedLeaderEpoch                  = ErrorCode(producer.ErrFencedLeaderEpoch)
	ErrUnknownLeaderEpoch                 = ErrorCode(producer.ErrUnknownLeaderEpoch)
	ErrUnsupportedCompressionType         = ErrorCode(producer.ErrUnsupportedCompressionType)
	ErrStaleBrokerEpoch                   = ErrorCode(producer.ErrStaleBrokerEpoch)
	ErrOffsetNotAvailable                 = ErrorCode(producer.ErrOffsetNotAvailable)
	ErrMemberIDRequired                   = ErrorCode(producer.ErrMemberIDRequired)
	ErrPreferredLeaderNotAvailable        = ErrorCode(producer.ErrPreferredLeaderNotAvailable)
	ErrGroupMaxSizeReached                = ErrorCode(producer.ErrGroupMaxSizeReached)
	ErrFencedInstanceID                   = ErrorCode(producer.ErrFencedInstanceID)
	ErrEligibleLeadersNotAvailable        = ErrorCode(producer.ErrEligibleLeadersNotAvailable)
	ErrElectionNotNeeded                  = ErrorCode(producer.ErrElectionNotNeeded)
	ErrNoReassignmentInProgress           = ErrorCode(producer.ErrNoReassignmentInProgress)
	ErrGroupSubscribedToTopic             = ErrorCode(producer.ErrGroupSubscribedToTopic)
	ErrInvalidRecord                      = ErrorCode(producer.ErrInvalidRecord)
	ErrUnstableOffsetCommit               = ErrorCode(producer.ErrUnstableOffsetCommit)
	ErrThrottlingQuotaExceeded            = ErrorCode(producer.ErrThrottlingQuotaExceeded)
	ErrProducerFenced                     = ErrorCode(producer.ErrProducerFenced)
	ErrResourceNotFound                   = ErrorCode(producer.ErrResourceNotFound)
	ErrDuplicateResource                  = ErrorCode(producer.ErrDuplicateResource)
	ErrUnacceptableCredential             = ErrorCode(producer.ErrUnacceptableCredential)
	ErrInconsistentVoterSet               = ErrorCode(producer.ErrInconsistentVoterSet)
	ErrInvalidUpdateVersion               = ErrorCode(producer.ErrInvalidUpdateVersion)
	ErrFeatureUpdateFailed                = ErrorCode(producer.ErrFeatureUpdateFailed)
	ErrPrincipalDeserializationFailure    = ErrorCode(producer.ErrPrincipalDeserializationFailure)
	ErrUnknownTopicID                     = ErrorCode(producer.ErrUnknownTopicID)
	ErrFencedMemberEpoch                  = ErrorCode(producer.ErrFencedMemberEpoch)
	ErrUnreleasedInstanceID               = ErrorCode(producer.ErrUnreleasedInstanceID)
	ErrUnsupportedAssignor                = ErrorCode(producer.ErrUnsupportedAssignor)
	ErrStaleMemberEpoch                   = ErrorCode(producer.ErrStaleMemberEpoch)
	ErrUnknownSubscriptionID              = ErrorCode(producer.ErrUnknownSubscriptionID)
	ErrTelemetryTooLarge                  = ErrorCode(producer.ErrTelemetryTooLarge)
	ErrTransactionAbortable               = ErrorCode(producer.ErrTransactionAbortable)
	ErrRebootstrapRequired                = ErrorCode(producer.ErrRebootstrapRequired)
)

// Broker error codes of newer Kafka versions that confluent-kafka-go names
// and a producer never meets (KRaft, share groups, streams groups); the
// numbers are the Kafka protocol's.
const (
	ErrInconsistentTopicID         ErrorCode = 103 // INCONSISTENT_TOPIC_ID
	ErrMismatchedEndpointType      ErrorCode = 114 // MISMATCHED_ENDPOINT_TYPE
	ErrUnsupportedEndpointType     ErrorCode = 115 // UNSUPPORTED_ENDPOINT_TYPE
	ErrUnknownControllerID         ErrorCode = 116 // UNKNOWN_CONTROLLER_ID
	ErrInvalidRegistration         ErrorCode = 119 // INVALID_REGISTRATION
	ErrInvalidRecordState          ErrorCode = 121 // INVALID_RECORD_STATE
	ErrShareSessionNotFound        ErrorCode = 122 // SHARE_SESSION_NOT_FOUND
	ErrInvalidShareSessionEpoch    ErrorCode = 123 // INVALID_SHARE_SESSION_EPOCH
	ErrFencedStateEpoch            ErrorCode = 124 // FENCED_STATE_EPOCH
	ErrInvalidVoterKey             ErrorCode = 125 // INVALID_VOTER_KEY
	ErrDuplicateVoter              ErrorCode = 126 // DUPLICATE_VOTER
	ErrVoterNotFound               ErrorCode = 127 // VOTER_NOT_FOUND
	ErrInvalidRegularExpression    ErrorCode = 128 // INVALID_REGULAR_EXPRESSION
	ErrStreamsInvalidTopology      ErrorCode = 130 // STREAMS_INVALID_TOPOLOGY
	ErrStreamsInvalidTopologyEpoch ErrorCode = 131 // STREAMS_INVALID_TOPOLOGY_EPOCH
	ErrStreamsTopologyFenced       ErrorCode = 132 // STREAMS_TOPOLOGY_FENCED
	ErrShareSessionLimitReached    ErrorCode = 133 // SHARE_SESSION_LIMIT_REACHED
)

// newerBrokerCodes describes the codes package producer does not know.
var newerBrokerCodes = map[ErrorCode]string{
	ErrInconsistentTopicID:         "The log's topic ID does not match the request's",
	ErrMismatchedEndpointType:      "The request went to an endpoint of the wrong type",
	ErrUnsupportedEndpointType:     "The endpoint type is not supported",
	ErrUnknownControllerID:         "The controller ID is unknown",
	ErrInvalidRegistration:         "The broker registration is invalid",
	ErrInvalidRecordState:          "The record state is invalid",
	ErrShareSessionNotFound:        "The share session was not found",
	ErrInvalidShareSessionEpoch:    "The share session epoch is invalid",
	ErrFencedStateEpoch:            "The state epoch is fenced",
	ErrInvalidVoterKey:             "The voter key does not match the replica's",
	ErrDuplicateVoter:              "The voter is already in the voter set",
	ErrVoterNotFound:               "The voter is not in the voter set",
	ErrInvalidRegularExpression:    "The regular expression is invalid",
	ErrStreamsInvalidTopology:      "The streams topology is invalid",
	ErrStreamsInvalidTopologyEpoch: "The streams topology epoch is invalid",
	ErrStreamsTopologyFenced:       "The streams topology epoch is outdated",
	ErrShareSessionLimitReached:    "The share session limit was reached",
}
