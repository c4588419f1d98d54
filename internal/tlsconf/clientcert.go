package tlsconf

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// clientCertificate returns the certificate the client presents when a
// broker asks for one, or nil when none is configured. It comes from the
// keystore, or from a certificate and a key, each from a file or inline.
func clientCertificate(p Properties) (*tls.Certificate, error) {
	certSet := p.CertLocation != "" || p.CertPEM != ""
	keySet := p.KeyLocation != "" || p.KeyPEM != ""
	if p.KeystoreLocation != "" {
		if certSet || keySet {
			return nil, invalid("ssl.keystore.location", p.KeystoreLocation,
				errors.New("holds the certificate and key: do not also set ssl.certificate.* or ssl.key.*"))
		}
		return keystoreCertificate(p.KeystoreLocation, p.KeystorePassword)
	}
	certSrc, err := pickSource("ssl.certificate.location", p.CertLocation, "ssl.certificate.pem", p.CertPEM)
	if err != nil {
		return nil, err
	}
	keySrc, err := pickSource("ssl.key.location", p.KeyLocation, "ssl.key.pem", p.KeyPEM)
	if err != nil {
		return nil, err
	}
	switch {
	case !certSet && !keySet:
		return nil, nil
	case !keySet:
		return nil, certSrc.invalid(errors.New("has no private key: set ssl.key.location or ssl.key.pem"))
	case !certSet:
		return nil, keySrc.invalid(errors.New("has no certificate: set ssl.certificate.location or ssl.certificate.pem"))
	}
	chain, err := certSrc.certificates()
	if err != nil {
		return nil, err
	}
	key, err := privateKey(keySrc, p.KeyPassword)
	if err != nil {
		return nil, err
	}
	if !keyMatches(chain[0], key) {
		return nil, keySrc.invalid(fmt.Errorf("does not match the public key of %s", certSrc.name()))
	}
	return newCertificate(chain, key), nil
}

// keyMatches reports whether key is the private half of cert's public key,
// as OpenSSL's SSL_CTX_check_private_key checks.
func keyMatches(cert *x509.Certificate, key crypto.Signer) bool {
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(key.Public())
}

// newCertificate assembles a tls.Certificate: the leaf first, then the
// rest of the chain as given.
func newCertificate(chain []*x509.Certificate, key crypto.Signer) *tls.Certificate {
	c := &tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}
