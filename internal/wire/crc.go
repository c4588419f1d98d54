package wire

import "hash/crc32"

// castagnoliReflected is the CRC-32C polynomial, bit-reflected, as the
// table-driven hash/crc32 uses it.
const castagnoliReflected = 0x82f63b78

// UpdateRecordsCRC returns crc, a CRC-32C of records so far (0 before the
// first), updated with p. A batch's records can be summed this way as
// they are appended, while they are still in the CPU's cache, and the
// header joined to the sum later (PutBatchHeaderSum) without reading the
// records again.
func UpdateRecordsCRC(crc uint32, p []byte) uint32 { return crc32.Update(crc, castagnoli, p) }

// combineCRC returns the CRC-32C of a followed by b, given crcA, the
// CRC-32C of a, and crcB, that of b, which is lenB bytes long.
//
// A CRC is the message as a polynomial over GF(2), times x^32, modulo the
// generator, with the initial and final inversions of the register. The
// inversions cancel out of the sum below, so that appending lenB bytes to
// a multiplies crcA by x^(8·lenB) modulo the generator, and XORing crcB
// adds b's own remainder.
func combineCRC(crcA, crcB uint32, lenB int) uint32 {
	if lenB == 0 {
		return crcA
	}
	return mulModP(xPow8n(uint64(lenB)), crcA) ^ crcB
}

// mulModP multiplies two reflected polynomials modulo the generator.
func mulModP(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ castagnoliReflected
		} else {
			b >>= 1
		}
	}
	return p
}

// xPow2k[k] is x^(2^k) modulo the generator, reflected.
var xPow2k = func() (t [64]uint32) {
	p := uint32(1) << 30 // x^1
	for k := range t {
		t[k] = p
		p = mulModP(p, p)
	}
	return t
}()

// xPow8n returns x^(8n) modulo the generator, reflected: the factor that
// shifts a CRC past n bytes.
func xPow8n(n uint64) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n != 0; n, k = n>>1, k+1 {
		if n&1 != 0 {
			p = mulModP(xPow2k[k&63], p)
		}
	}
	return p
}
