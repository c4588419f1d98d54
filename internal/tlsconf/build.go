package tlsconf

import (
	"crypto/tls"
	"errors"
	"strings"
)

// Build returns the tls.Config a client connection uses. ServerName is
// left empty; the caller sets it per broker via ForHost.
//
// Every error is an *Error naming the property, and wraps ErrUnsupported
// (a value Go's TLS cannot honour) or ErrInvalid (anything else). Files
// are read once, here; the returned config holds what they said.
//
// The config is safe for concurrent use by any number of connections, as
// crypto/tls configs are once in use; do not modify it, clone it.
func Build(p Properties) (*tls.Config, error) {
	checkHost, err := endpointIdentification(p.EndpointIdentification)
	if err != nil {
		return nil, err
	}
	suites, err := cipherSuites(p.CipherSuites)
	if err != nil {
		return nil, err
	}
	curves, err := curvePreferences(p.Curves)
	if err != nil {
		return nil, err
	}
	if p.Sigalgs != "" {
		return nil, unsupported("ssl.sigalgs.list", p.Sigalgs, errors.New("Go's TLS client cannot restrict signature algorithms"))
	}
	roots, err := loadRoots(p)
	if err != nil {
		return nil, err
	}
	crls, err := loadCRLs(p.CRLLocation)
	if err != nil {
		return nil, err
	}
	cert, err := clientCertificate(p)
	if err != nil {
		return nil, err
	}

	c := &tls.Config{
		// librdkafka with OpenSSL 3 refuses TLS 1.0 and 1.1 by default.
		MinVersion:       tls.VersionTLS12,
		RootCAs:          roots,
		CipherSuites:     suites,
		CurvePreferences: curves,
	}
	if cert != nil {
		// OpenSSL sends its certificate whenever the broker asks for one;
		// crypto/tls would send nothing if the certificate did not chain
		// to one of the CAs the broker names. Sending it anyway lets the
		// broker say why it refuses it. Certificates holds it too, for
		// callers that look.
		c.Certificates = []tls.Certificate{*cert}
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	switch {
	case !p.Verify:
		c.InsecureSkipVerify = true
	case !checkHost || crls != nil:
		v := &verifier{roots: roots, checkChain: !checkHost, crls: crls}
		c.InsecureSkipVerify = !checkHost
		c.VerifyConnection = v.verifyConnection
	}
	return c, nil
}

// ForHost returns a clone of base for a connection to host (no port), with
// ServerName set to host when base has none: the name sent in SNI and, with
// endpoint identification "https", checked against the broker's
// certificate. Brackets around an IPv6 address are removed.
func ForHost(base *tls.Config, host string) *tls.Config {
	c := base.Clone()
	if c.ServerName == "" {
		c.ServerName = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	return c
}
