package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// endpointIdentification parses ssl.endpoint.identification.algorithm and
// reports whether the broker's host name is checked.
func endpointIdentification(value string) (checkHost bool, err error) {
	switch strings.ToLower(value) {
	case "", "https":
		return true, nil
	case "none":
		return false, nil
	}
	return false, invalid("ssl.endpoint.identification.algorithm", value, errors.New(`must be "https" or "none"`))
}

// verifier checks what crypto/tls does not check for us: the chain
// without the host name (endpoint identification "none", where
// InsecureSkipVerify turns the standard check off), and revocation.
// It runs as tls.Config.VerifyConnection, after the standard checks.
type verifier struct {
	roots      *x509.CertPool // nil: the system roots
	checkChain bool           // crypto/tls skipped the chain: verify it here
	crls       *crlSet        // nil: no revocation check
}

// verifyConnection fails the handshake as crypto/tls would, with a
// *tls.CertificateVerificationError: "tls: failed to verify certificate:
// x509: certificate signed by unknown authority".
func (v *verifier) verifyConnection(cs tls.ConnectionState) error {
	chains := cs.VerifiedChains
	if v.checkChain {
		var err error
		if chains, err = v.verify(cs.PeerCertificates); err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
	}
	if v.crls != nil {
		if err := v.crls.check(chains, time.Now()); err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
	}
	return nil
}

// verify builds chains from the broker's certificate to the roots, using
// the broker's other certificates as intermediates, and checks them as
// crypto/tls does, host name aside.
func (v *verifier) verify(certs []*x509.Certificate) ([][]*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, fmt.Errorf("the broker sent no certificate")
	}
	opts := x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: x509.NewCertPool(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	return certs[0].Verify(opts)
}
