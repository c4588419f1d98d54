package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// privateKey returns the first private key in s, decrypted with password
// when it is encrypted: legacy OpenSSL PEM encryption ("Proc-Type:
// 4,ENCRYPTED" headers on a PKCS#1, SEC 1 or PKCS#8 block) or PKCS#8
// ENCRYPTED PRIVATE KEY with PBES2. A password given for an unencrypted
// key is ignored, as OpenSSL ignores it.
func privateKey(s source, password string) (crypto.Signer, error) {
	block := firstKeyBlock(s.data)
	if block == nil {
		return nil, s.invalid(errors.New("no PEM private key found"))
	}
	if isLegacyEncrypted(block) || block.Type == "ENCRYPTED PRIVATE KEY" {
		return decryptKey(s, block, password)
	}
	key, err := parseKey(block.Type, block.Bytes)
	if err != nil {
		return nil, s.invalid(err)
	}
	return key, nil
}

// decryptKey decrypts an encrypted key block of s and parses the result.
func decryptKey(s source, block *pem.Block, password string) (crypto.Signer, error) {
	if password == "" {
		return nil, s.invalid(errors.New("the key is encrypted and ssl.key.password is not set"))
	}
	typ := block.Type
	var (
		der []byte
		err error
	)
	if isLegacyEncrypted(block) {
		der, err = decryptLegacy(block, password)
	} else {
		typ = "PRIVATE KEY"
		der, err = decryptPKCS8(block.Bytes, password)
	}
	var unsup *unsupportedScheme
	switch {
	case errors.Is(err, x509.IncorrectPasswordError):
		return nil, wrongKeyPassword(s, err)
	case errors.As(err, &unsup):
		return nil, unsupported(s.property, s.path, err)
	case err != nil:
		return nil, s.invalid(err)
	}
	key, err := parseKey(typ, der)
	if err != nil {
		// The padding checked out by chance, leaving garbage.
		return nil, wrongKeyPassword(s, x509.IncorrectPasswordError)
	}
	return key, nil
}

// wrongKeyPassword is the error for a password that does not decrypt the
// key in s: "ssl.key.password: cannot decrypt ssl.key.location /k.pem:
// wrong password?".
func wrongKeyPassword(s source, cause error) *Error {
	what := s.property
	if s.path != "" {
		what += " " + s.path
	}
	return invalid("ssl.key.password", "", &wrongPassword{what: what, cause: cause})
}

// firstKeyBlock returns the first PEM block in data whose type names a
// private key, skipping certificates and EC PARAMETERS blocks.
func firstKeyBlock(data []byte) *pem.Block {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil
		}
		if strings.HasSuffix(block.Type, "PRIVATE KEY") {
			return block
		}
	}
}

// parseKey parses an unencrypted key of PEM type typ and checks that TLS
// can sign with it.
func parseKey(typ string, der []byte) (crypto.Signer, error) {
	var (
		key any
		err error
	)
	switch typ {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
	default:
		return nil, fmt.Errorf("unknown private key type %q", typ)
	}
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("a %T cannot sign a TLS handshake", key)
}
