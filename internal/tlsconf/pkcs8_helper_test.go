package tlsconf

import (
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"hash"
	"testing"
)

// encryptPKCS8 encrypts a PKCS#8 PrivateKeyInfo as OpenSSL's "pkcs8
// -topk8 -v2" does and returns the ENCRYPTED PRIVATE KEY PEM. A nil prfOID
// leaves the PRF out, meaning RFC 8018's default, hmacWithSHA1. The
// differential test against openssl checks that this and decryptPKCS8 do
// not share a mistake.
func encryptPKCS8(t testing.TB, der []byte, password string, prfOID asn1.ObjectIdentifier, prf func() hash.Hash, c pbes2Cipher) []byte {
	t.Helper()
	salt := make([]byte, 16)
	rand.Read(salt)
	const iter = 2048
	key, err := pbkdf2.Key(prf, password, salt, iter, c.keyLen)
	if err != nil {
		t.Fatalf("pbkdf2: %v", err)
	}
	block, err := c.block(key)
	if err != nil {
		t.Fatalf("cipher: %v", err)
	}
	iv := make([]byte, block.BlockSize())
	rand.Read(iv)
	n := block.BlockSize() - len(der)%block.BlockSize()
	padded := append(append([]byte{}, der...), make([]byte, n)...)
	for i := len(der); i < len(padded); i++ {
		padded[i] = byte(n)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(padded, padded)

	kdf := pbkdf2Params{Salt: salt, IterationCount: iter}
	if prfOID != nil {
		kdf.PRF = pkix.AlgorithmIdentifier{Algorithm: prfOID, Parameters: asn1.NullRawValue}
	}
	params := pbes2Params{
		KeyDerivationFunc: pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: rawValue(t, kdf)},
		EncryptionScheme:  pkix.AlgorithmIdentifier{Algorithm: c.oid, Parameters: rawValue(t, iv)},
	}
	info := encryptedPrivateKeyInfo{
		Algorithm:     pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: rawValue(t, params)},
		EncryptedData: padded,
	}
	out, err := asn1.Marshal(info)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: out})
}

// rawValue marshals v for an AlgorithmIdentifier's parameters.
func rawValue(t testing.TB, v any) asn1.RawValue {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return asn1.RawValue{FullBytes: der}
}
