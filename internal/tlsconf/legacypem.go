package tlsconf

import (
	"crypto/x509"
	"encoding/pem"
)

// Legacy PEM encryption (RFC 1423: "Proc-Type: 4,ENCRYPTED" and DEK-Info
// headers, a key derived with one round of MD5) is weak and deprecated in
// Go, but it is what "openssl genrsa -aes256" and OpenSSL's "traditional"
// key format write, and librdkafka reads such keys, so kprod must too. The
// standard library's functions still work; the lint directives say the
// deprecation is known.

// isLegacyEncrypted reports whether block has legacy PEM encryption.
func isLegacyEncrypted(block *pem.Block) bool {
	//lint:ignore SA1019 reading existing legacy-encrypted keys, see above.
	return x509.IsEncryptedPEMBlock(block)
}

// decryptLegacy decrypts a legacy-encrypted block. A wrong password gives
// x509.IncorrectPasswordError, unless the padding happens to check out.
func decryptLegacy(block *pem.Block, password string) ([]byte, error) {
	//lint:ignore SA1019 reading existing legacy-encrypted keys, see above.
	return x509.DecryptPEMBlock(block, []byte(password))
}
