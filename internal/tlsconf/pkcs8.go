package tlsconf

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
)

// PKCS#8 encrypted private keys (RFC 5208 EncryptedPrivateKeyInfo) with the
// PBES2 scheme of PKCS#5 v2 (RFC 8018): PBKDF2 derives a key from the
// password, a CBC cipher decrypts the PKCS#8 PrivateKeyInfo. This is what
// "openssl pkcs8 -topk8 -v2 aes-256-cbc" and OpenSSL 3's default
// "openssl genpkey -aes256" write. Go's standard library parses the result
// but not the encryption.

var (
	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
)

// pbkdf2PRFs are the HMACs PBKDF2 may use, by OID (RFC 8018 appendix B.1).
var pbkdf2PRFs = []struct {
	oid  asn1.ObjectIdentifier
	name string
	hash func() hash.Hash
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}, "hmacWithSHA1", sha1.New},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}, "hmacWithSHA224", sha256.New224},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, "hmacWithSHA256", sha256.New},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}, "hmacWithSHA384", sha512.New384},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}, "hmacWithSHA512", sha512.New},
}

// pbes2Cipher is a CBC cipher PBES2 may use.
type pbes2Cipher struct {
	oid    asn1.ObjectIdentifier
	name   string // OpenSSL's name
	keyLen int
	block  func(key []byte) (cipher.Block, error)
}

// pbes2Ciphers are the ciphers decryptPKCS8 knows, by OID (RFC 8018
// appendix B.2 and NIST's AES OIDs).
var pbes2Ciphers = []pbes2Cipher{
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}, "aes-128-cbc", 16, aes.NewCipher},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}, "aes-192-cbc", 24, aes.NewCipher},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, "aes-256-cbc", 32, aes.NewCipher},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}, "des-ede3-cbc", 24, des.NewTripleDESCipher},
}

// encryptedPrivateKeyInfo is RFC 5208's EncryptedPrivateKeyInfo.
type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

// pbes2Params is RFC 8018's PBES2-params.
type pbes2Params struct {
	KeyDerivationFunc pkix.AlgorithmIdentifier
	EncryptionScheme  pkix.AlgorithmIdentifier
}

// pbkdf2Params is RFC 8018's PBKDF2-params, with the salt as the
// "specified" OCTET STRING (the only choice in use).
type pbkdf2Params struct {
	Salt           []byte
	IterationCount int
	KeyLength      int                      `asn1:"optional"`
	PRF            pkix.AlgorithmIdentifier `asn1:"optional"`
}

// unsupportedScheme is the cause when a key is encrypted with something
// other than PBES2 with PBKDF2 and one of the ciphers above (PBES1,
// scrypt, an unknown cipher).
type unsupportedScheme struct{ what string }

func (e *unsupportedScheme) Error() string {
	return "the key's encryption " + e.what + " is not supported; re-encrypt it with PBES2 (openssl pkcs8 -topk8 -v2 aes-256-cbc)"
}

// decryptPKCS8 decrypts an ENCRYPTED PRIVATE KEY block's DER and returns
// the PKCS#8 PrivateKeyInfo DER. A wrong password gives
// x509.IncorrectPasswordError when the padding does not check out; when
// it does by chance, the caller finds out by parsing the result.
func decryptPKCS8(der []byte, password string) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if err := unmarshalAll(der, &info); err != nil {
		return nil, fmt.Errorf("malformed encrypted PKCS#8 key: %w", err)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, &unsupportedScheme{what: info.Algorithm.Algorithm.String()}
	}
	var params pbes2Params
	if err := unmarshalAll(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("malformed PBES2 parameters: %w", err)
	}
	key, c, iv, err := deriveKey(params, password)
	if err != nil {
		return nil, err
	}
	block, err := c.block(key)
	if err != nil {
		return nil, err
	}
	data := info.EncryptedData
	bs := block.BlockSize()
	if len(iv) != bs {
		return nil, fmt.Errorf("malformed PBES2 parameters: %s IV of %d bytes", c.name, len(iv))
	}
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, fmt.Errorf("malformed encrypted PKCS#8 key: %d bytes is not a whole number of %s blocks", len(data), c.name)
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, data)
	return unpad(plain, bs)
}

// deriveKey runs PBKDF2 as params say and returns the key, the cipher it
// is for and the cipher's IV.
func deriveKey(params pbes2Params, password string) (key []byte, c pbes2Cipher, iv []byte, err error) {
	if !params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, c, nil, &unsupportedScheme{what: "key derivation " + params.KeyDerivationFunc.Algorithm.String()}
	}
	var kdf pbkdf2Params
	if err := unmarshalAll(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
		return nil, c, nil, fmt.Errorf("malformed PBKDF2 parameters: %w", err)
	}
	prf := sha1.New // RFC 8018's default PRF, hmacWithSHA1
	if len(kdf.PRF.Algorithm) > 0 {
		prf = nil
		for _, p := range pbkdf2PRFs {
			if p.oid.Equal(kdf.PRF.Algorithm) {
				prf = p.hash
			}
		}
		if prf == nil {
			return nil, c, nil, &unsupportedScheme{what: "PBKDF2 PRF " + kdf.PRF.Algorithm.String()}
		}
	}
	c, ok := findCipher(params.EncryptionScheme.Algorithm)
	if !ok {
		return nil, c, nil, &unsupportedScheme{what: "cipher " + params.EncryptionScheme.Algorithm.String()}
	}
	if kdf.KeyLength != 0 && kdf.KeyLength != c.keyLen {
		return nil, c, nil, fmt.Errorf("malformed PBKDF2 parameters: key length %d for %s", kdf.KeyLength, c.name)
	}
	if kdf.IterationCount < 1 {
		return nil, c, nil, fmt.Errorf("malformed PBKDF2 parameters: iteration count %d", kdf.IterationCount)
	}
	if err := unmarshalAll(params.EncryptionScheme.Parameters.FullBytes, &iv); err != nil {
		return nil, c, nil, fmt.Errorf("malformed %s IV: %w", c.name, err)
	}
	key, err = pbkdf2.Key(prf, password, kdf.Salt, kdf.IterationCount, c.keyLen)
	if err != nil {
		return nil, c, nil, err
	}
	return key, c, iv, nil
}

// findCipher returns the PBES2 cipher with oid.
func findCipher(oid asn1.ObjectIdentifier) (pbes2Cipher, bool) {
	for _, c := range pbes2Ciphers {
		if c.oid.Equal(oid) {
			return c, true
		}
	}
	return pbes2Cipher{}, false
}

// unpad removes PKCS#7 padding. Bad padding almost always means the wrong
// password derived the wrong key.
func unpad(b []byte, blockSize int) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > blockSize || n > len(b) {
		return nil, x509.IncorrectPasswordError
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, x509.IncorrectPasswordError
		}
	}
	return b[:len(b)-n], nil
}

// unmarshalAll is asn1.Unmarshal that rejects trailing data.
func unmarshalAll(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errors.New("trailing data")
	}
	return nil
}
