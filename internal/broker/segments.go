package broker

import (
	"encoding/binary"
	"net"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Segmented is a request whose body carries large pieces (record batches)
// that the connection writes from where they are, with one writev, instead
// of copying them into its write buffer.
type Segmented interface {
	kmsg.Request
	// AppendFraming appends the request body to dst with every large piece
	// left out, and appends to pieces where each belongs: its offset in the
	// returned slice, and its bytes. Offsets must not decrease.
	AppendFraming(dst []byte, pieces []Piece) ([]byte, []Piece)
}

// Piece is a part of a Segmented request's body written in place.
type Piece struct {
	At   int    // offset in the framing where Data goes
	Data []byte // written as is
}

// framingOnly presents a Segmented request to kmsg's request formatter,
// which writes the request header: its body is the framing alone, and the
// pieces go to the connection's list.
type framingOnly struct {
	Segmented
	pieces *[]Piece
}

func (f framingOnly) AppendTo(dst []byte) []byte {
	var pieces []Piece
	dst, pieces = f.AppendFraming(dst, (*f.pieces)[:0])
	*f.pieces = pieces
	return dst
}

// segments lays out a Segmented request for writing: framing (header and
// body without its pieces, with the size prefix still counting the framing
// only) and the pieces in between, into bufs. It fixes the size prefix.
func segments(framing []byte, pieces []Piece, bufs net.Buffers) net.Buffers {
	size := len(framing) - 4
	prev := 0
	for _, p := range pieces {
		size += len(p.Data)
		bufs = append(bufs, framing[prev:p.At], p.Data)
		prev = p.At
	}
	bufs = append(bufs, framing[prev:])
	binary.BigEndian.PutUint32(framing, uint32(size))
	return bufs
}
