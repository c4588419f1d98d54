package sender

import (
	"encoding/binary"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kprod-go/kprod/accumulator"
	"github.com/kprod-go/kprod/internal/broker"
)

// produceRequest is a Produce request whose record batches may lie in
// several chunks (an uncompressed batch's Buf and More). It is kmsg's
// ProduceRequest in every respect but its encoding: the connection writes
// the request's framing from its buffer and each batch's chunks from where
// they are, with one writev (broker.Segmented), so records are never copied
// after Produce encoded them. AppendTo gives the same bytes in one slice.
//
// The embedded request's Topics and Partitions are filled in as usual,
// with each partition's Records holding the batch's first chunk only;
// batches holds the batches themselves in the same shape.
type produceRequest struct {
	*kmsg.ProduceRequest
	batches [][]*accumulator.Batch // batches[t][p] is Topics[t].Partitions[p]'s batch
}

// NoResponse reports whether the broker will not answer (acks=0).
func (r *produceRequest) NoResponse() bool { return r.Acks == 0 }

// AppendTo appends the request body in wire form to dst, as
// kmsg.ProduceRequest.AppendTo does for the same records, for versions 3
// to 12.
func (r *produceRequest) AppendTo(dst []byte) []byte {
	framing, pieces := r.AppendFraming(nil, nil)
	n := len(framing)
	for _, p := range pieces {
		n += len(p.Data)
	}
	dst = slices.Grow(dst, n)
	prev := 0
	for _, p := range pieces {
		dst = append(append(dst, framing[prev:p.At]...), p.Data...)
		prev = p.At
	}
	return append(dst, framing[prev:]...)
}

// AppendFraming appends the request body to dst with each batch's chunks
// left out, listed in pieces instead, for the connection to write them in
// place (broker.Segmented).
func (r *produceRequest) AppendFraming(dst []byte, pieces []broker.Piece) ([]byte, []broker.Piece) {
	flex := r.IsFlexible()
	if r.Version >= 3 {
		dst = appendNullableString(dst, r.TransactionID, flex)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(r.Acks))
	dst = binary.BigEndian.AppendUint32(dst, uint32(r.TimeoutMillis))
	dst = appendArrayLen(dst, len(r.Topics), flex)
	for i := range r.Topics {
		t := &r.Topics[i]
		dst = appendString(dst, t.Topic, flex)
		dst = appendArrayLen(dst, len(t.Partitions), flex)
		for j := range t.Partitions {
			dst = binary.BigEndian.AppendUint32(dst, uint32(t.Partitions[j].Partition))
			b := r.batches[i][j]
			n := b.WireLen()
			if flex {
				dst = binary.AppendUvarint(dst, uint64(n)+1)
			} else {
				dst = binary.BigEndian.AppendUint32(dst, uint32(n))
			}
			pieces = append(pieces, broker.Piece{At: len(dst), Data: b.Wire})
			for _, c := range b.WireMore {
				pieces = append(pieces, broker.Piece{At: len(dst), Data: c})
			}
			if flex {
				dst = append(dst, 0) // no tagged fields
			}
		}
		if flex {
			dst = append(dst, 0)
		}
	}
	if flex {
		dst = append(dst, 0)
	}
	return dst, pieces
}

func appendArrayLen(dst []byte, n int, flex bool) []byte {
	if flex {
		return binary.AppendUvarint(dst, uint64(n)+1)
	}
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

func appendString(dst []byte, s string, flex bool) []byte {
	if flex {
		dst = binary.AppendUvarint(dst, uint64(len(s))+1)
	} else {
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	}
	return append(dst, s...)
}

func appendNullableString(dst []byte, s *string, flex bool) []byte {
	switch {
	case s != nil:
		return appendString(dst, *s, flex)
	case flex:
		return append(dst, 0)
	default:
		return binary.BigEndian.AppendUint16(dst, 0xffff)
	}
}
