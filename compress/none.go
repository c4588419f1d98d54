package compress

// noneCodec is the identity codec, so that a producer can hold a Codec for
// every compression.type. The producer sends such batches with codec id 0
// and never needs to call it.
type noneCodec struct {
	maxDecoded int
}

func (noneCodec) Type() Type { return None }
func (noneCodec) Level() int { return 0 }

// AppendEncoded appends src to dst unchanged.
func (noneCodec) AppendEncoded(dst, src []byte) ([]byte, error) {
	return append(dst, src...), nil
}

// AppendDecoded appends src to dst unchanged, within MaxDecodedLen.
func (c noneCodec) AppendDecoded(dst, src []byte) ([]byte, error) {
	if len(src) > c.maxDecoded {
		return dst, ErrTooLarge
	}
	return append(dst, src...), nil
}
