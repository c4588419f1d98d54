package wire

import (
	"encoding/binary"
	"hash/crc32"
)

// AttrCodecMask selects the compression codec in a batch's attributes.
const AttrCodecMask int16 = 0x07

// AttrTransactional marks a batch written inside a transaction.
const AttrTransactional int16 = 0x10

// BatchHeaderLen is the size of a v2 record batch header; records follow it.
const BatchHeaderLen = 61

// NoProducerID, NoProducerEpoch and NoSequence fill the idempotence fields of
// a batch from a producer that is not idempotent.
const (
	NoProducerID    int64 = -1
	NoProducerEpoch int16 = -1
	NoSequence      int32 = -1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// BatchHeader holds the fields of a v2 record batch header that the producer
// chooses. BaseOffset, Length, Magic and CRC are derived.
type BatchHeader struct {
	Attributes      int16 // the compression codec in bits 0-2 (AttrCodecMask), and AttrTransactional
	LastOffsetDelta int32
	BaseTimestamp   int64 // milliseconds since the epoch
	MaxTimestamp    int64
	ProducerID      int64
	ProducerEpoch   int16
	BaseSequence    int32
	NumRecords      int32
}

// AppendBatchHeaderSpace appends BatchHeaderLen zero bytes for a header that
// PutBatchHeader fills in once the records are known.
func AppendBatchHeaderSpace(dst []byte) []byte {
	var zero [BatchHeaderLen]byte
	return append(dst, zero[:]...)
}

// PutBatchHeader writes h into batch[:BatchHeaderLen], where batch holds the
// header space followed by the (possibly compressed) records, and computes
// the length and CRC-32C over everything after the CRC field. Records
// continued in more buffers, which follow batch on the wire, count too. It
// is called again when a retry changes the producer id, epoch or sequence.
func PutBatchHeader(batch []byte, h *BatchHeader, more ...[]byte) {
	n := len(batch)
	for _, m := range more {
		n += len(m)
	}
	putHeaderFields(batch, h, n)
	crc := crc32.Checksum(batch[21:], castagnoli)
	for _, m := range more {
		crc = crc32.Update(crc, castagnoli, m)
	}
	binary.BigEndian.PutUint32(batch[17:], crc)
}

// PutBatchHeaderSum is PutBatchHeader for a batch whose records, recordsLen
// bytes after the header space in batch and the buffers that follow it,
// have the CRC-32C recordsCRC (summed with UpdateRecordsCRC as they were
// written): it reads the header alone, not the records.
func PutBatchHeaderSum(batch []byte, h *BatchHeader, recordsLen int, recordsCRC uint32) {
	putHeaderFields(batch, h, BatchHeaderLen+recordsLen)
	crc := combineCRC(crc32.Checksum(batch[21:BatchHeaderLen], castagnoli), recordsCRC, recordsLen)
	binary.BigEndian.PutUint32(batch[17:], crc)
}

// putHeaderFields writes h, and the fields derived from the batch's size n
// (header included), into batch[:BatchHeaderLen]: all but the CRC.
func putHeaderFields(batch []byte, h *BatchHeader, n int) {
	_ = batch[BatchHeaderLen-1]
	binary.BigEndian.PutUint64(batch[0:], 0)                     // base offset, set by the broker
	binary.BigEndian.PutUint32(batch[8:], uint32(n-12))          // length after this field
	binary.BigEndian.PutUint32(batch[12:], 0)                    // partition leader epoch, set by the broker
	batch[16] = 2                                                // magic
	binary.BigEndian.PutUint16(batch[21:], uint16(h.Attributes)) //
	binary.BigEndian.PutUint32(batch[23:], uint32(h.LastOffsetDelta))
	binary.BigEndian.PutUint64(batch[27:], uint64(h.BaseTimestamp))
	binary.BigEndian.PutUint64(batch[35:], uint64(h.MaxTimestamp))
	binary.BigEndian.PutUint64(batch[43:], uint64(h.ProducerID))
	binary.BigEndian.PutUint16(batch[51:], uint16(h.ProducerEpoch))
	binary.BigEndian.PutUint32(batch[53:], uint32(h.BaseSequence))
	binary.BigEndian.PutUint32(batch[57:], uint32(h.NumRecords))
}
