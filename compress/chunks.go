package compress

import "encoding/binary"

// ChunkEncoder is implemented by codecs that can compress a payload held in
// several pieces without first copying it into one: the producer's batches
// keep their records in fixed-size chunks. Codecs that do not implement it
// are given the pieces joined.
type ChunkEncoder interface {
	// AppendEncodedChunks appends the compressed form of the concatenation
	// of chunks to dst and returns the extended slice. The output is
	// byte for byte what AppendEncoded writes for the concatenation. It
	// allocates nothing in steady state when dst has room for the output.
	// dst must not overlap any chunk.
	AppendEncodedChunks(dst []byte, chunks [][]byte) ([]byte, error)
}

// AppendEncodedChunks cuts the concatenation of chunks into the blocks
// AppendEncoded cuts src into. Blocks are independent, so a block that lies
// wholly inside one chunk is compressed where it lies; only a block that
// straddles chunks is first joined in the encoder's scratch block.
func (c *lz4Codec) AppendEncodedChunks(dst []byte, chunks [][]byte) ([]byte, error) {
	left := 0 // bytes not yet put in a block
	for _, ch := range chunks {
		left += len(ch)
	}
	dst = append(dst, lz4FrameHeader[:]...)
	e := c.encoders.get()
	if e.joined == nil {
		e.joined = make([]byte, lz4BlockSize)
	}
	fill := 0 // bytes of the next block joined so far
	for _, ch := range chunks {
		for len(ch) > 0 {
			if fill == 0 && (len(ch) >= lz4BlockSize || len(ch) == left) {
				block := ch[:min(len(ch), lz4BlockSize)]
				ch, left = ch[len(block):], left-len(block)
				dst = e.appendBlock(dst, block)
				continue
			}
			n := copy(e.joined[fill:min(left+fill, lz4BlockSize)], ch)
			ch, left, fill = ch[n:], left-n, fill+n
			if fill == lz4BlockSize || left == 0 {
				dst = e.appendBlock(dst, e.joined[:fill])
				fill = 0
			}
		}
	}
	c.encoders.put(e)
	return binary.LittleEndian.AppendUint32(dst, 0), nil
}
