package tlsconf

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrRevoked is the cause a handshake fails with when the broker's
// certificate is on its issuer's revocation list.
var ErrRevoked = errors.New("certificate revoked")

// crlSet is the revocation lists of ssl.crl.location.
type crlSet struct {
	path  string
	lists []*x509.RevocationList
}

// loadCRLs reads ssl.crl.location: PEM "X509 CRL" blocks, or one DER CRL.
// It returns nil when path is empty.
func loadCRLs(path string) (*crlSet, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, invalid("ssl.crl.location", path, err)
	}
	s := &crlSet{path: path}
	sawPEM := false
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = true
		if block.Type != "X509 CRL" {
			continue
		}
		rl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			return nil, invalid("ssl.crl.location", path, err)
		}
		s.lists = append(s.lists, rl)
	}
	if !sawPEM {
		rl, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, invalid("ssl.crl.location", path, fmt.Errorf("neither PEM nor a DER revocation list: %w", err))
		}
		s.lists = append(s.lists, rl)
	}
	if len(s.lists) == 0 {
		return nil, invalid("ssl.crl.location", path, errors.New("no PEM X509 CRL block found"))
	}
	return s, nil
}

// check checks the leaf of verified chains against the CRLs, as OpenSSL
// does with X509_V_FLAG_CRL_CHECK, which librdkafka sets: the leaf's
// issuer must have a CRL here, signed by it and current at now, and the
// leaf's serial must not be on it. Intermediates are not checked.
func (s *crlSet) check(chains [][]*x509.Certificate, now time.Time) error {
	found := false
	for _, chain := range chains {
		leaf, issuer := chain[0], chain[0]
		if len(chain) > 1 {
			issuer = chain[1]
		}
		rl := s.latest(issuer)
		if rl == nil {
			continue
		}
		found = true
		switch {
		case now.Before(rl.ThisUpdate):
			return fmt.Errorf("CRL of %s is not yet valid (ssl.crl.location %s)", issuer.Subject, s.path)
		case !rl.NextUpdate.IsZero() && now.After(rl.NextUpdate):
			return fmt.Errorf("CRL of %s has expired (ssl.crl.location %s)", issuer.Subject, s.path)
		}
		for _, r := range rl.RevokedCertificateEntries {
			if r.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
				return fmt.Errorf("%w: serial %#x by %s (ssl.crl.location %s)", ErrRevoked, leaf.SerialNumber, issuer.Subject, s.path)
			}
		}
	}
	if !found && len(chains) > 0 {
		return fmt.Errorf("unable to get certificate CRL: no CRL of %s in ssl.crl.location %s", chains[0][0].Issuer, s.path)
	}
	return nil
}

// latest returns the newest CRL that issuer signed, or nil.
func (s *crlSet) latest(issuer *x509.Certificate) *x509.RevocationList {
	var best *x509.RevocationList
	for _, rl := range s.lists {
		if !bytes.Equal(rl.RawIssuer, issuer.RawSubject) || rl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		if best == nil || rl.ThisUpdate.After(best.ThisUpdate) {
			best = rl
		}
	}
	return best
}
