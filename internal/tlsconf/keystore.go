package tlsconf

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"software.sslmate.com/src/go-pkcs12"
)

// keystoreCertificate reads the client's key, certificate and chain from a
// PKCS#12 file. librdkafka requires ssl.keystore.password with it.
func keystoreCertificate(path, password string) (*tls.Certificate, error) {
	if password == "" {
		return nil, invalid("ssl.keystore.password", "", errors.New("must be set when ssl.keystore.location is set"))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, invalid("ssl.keystore.location", path, err)
	}
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, invalid("ssl.keystore.password", "", &wrongPassword{what: "ssl.keystore.location " + path, cause: err})
	}
	if err != nil {
		return nil, invalid("ssl.keystore.location", path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, invalid("ssl.keystore.location", path, fmt.Errorf("a %T cannot sign a TLS handshake", key))
	}
	if !keyMatches(leaf, signer) {
		return nil, invalid("ssl.keystore.location", path, errors.New("the private key does not match the certificate"))
	}
	return newCertificate(append([]*x509.Certificate{leaf}, cas...), signer), nil
}
