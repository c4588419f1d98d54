package producer

import "github.com/kprod-go/kprod/internal/errcode"

// The internals speak errcode's vocabulary; the API speaks ErrorCode and
// PersistenceStatus, whose numbers are the same (vocabulary_test.go checks
// every one). These are the only conversions between them.

// errorCode returns the public code for one the internals raised.
func errorCode(c errcode.Code) ErrorCode { return ErrorCode(c) }

// internalCode returns the internals' code for a public one.
func internalCode(c ErrorCode) errcode.Code { return errcode.Code(c) }

// persistenceStatus returns the public persistence status for the
// internals' one.
func persistenceStatus(s errcode.Status) PersistenceStatus { return PersistenceStatus(s) }

// internalStatus returns the internals' persistence status for a public one.
func internalStatus(s PersistenceStatus) errcode.Status { return errcode.Status(s) }
