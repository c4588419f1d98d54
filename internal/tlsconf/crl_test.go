package tlsconf

import (
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/kprod-go/kprod/internal/testcert"
)

func TestCRL(t *testing.T) {
	p := newPKI(t)
	now := time.Now()
	crlPEM := func(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}) }
	revoking := revocationList(t, p.ca, now.Add(-time.Hour), now.Add(time.Hour), p.server.Cert.SerialNumber)
	clean := revocationList(t, p.ca, now.Add(-time.Hour), now.Add(time.Hour), big.NewInt(12345))
	expired := revocationList(t, p.ca, now.Add(-2*time.Hour), now.Add(-time.Hour))
	other := testcert.NewCA(t, "Other CA")
	othersCRL := revocationList(t, other, now.Add(-time.Hour), now.Add(time.Hour), p.server.Cert.SerialNumber)

	cases := []struct {
		name     string
		crl      []byte
		verify   bool
		endpoint string
		want     string // "" for a handshake that succeeds
	}{
		{"a CRL revoking the broker's certificate fails the handshake", crlPEM(revoking), true, "https",
			"tls: failed to verify certificate: certificate revoked: serial"},
		{"a revoked certificate fails with endpoint identification none too", crlPEM(revoking), true, "none",
			"certificate revoked"},
		{"a DER CRL is read as well as PEM", revoking, true, "https", "certificate revoked"},
		{"a CRL not listing the broker's certificate lets it through", crlPEM(clean), true, "https", ""},
		{"a CRL file with an older clean CRL and a newer revoking one revokes", append(crlPEM(expired), crlPEM(revoking)...), true, "https",
			"certificate revoked"},
		{"an expired CRL fails the handshake, as OpenSSL's does", crlPEM(expired), true, "https",
			"has expired"},
		{"no CRL from the broker's issuer fails the handshake, as OpenSSL's CRL_CHECK does", crlPEM(othersCRL), true, "https",
			"unable to get certificate CRL"},
		{"another CA's CRL with the same serial does not revoke, and is no CRL of the issuer", crlPEM(othersCRL), true, "none",
			"unable to get certificate CRL"},
		{"verification off checks no CRL", crlPEM(revoking), false, "https", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := p.props()
			props.Verify, props.EndpointIdentification = c.verify, c.endpoint
			props.CRLLocation = testcert.Write(t, t.TempDir(), "crl.pem", c.crl)
			cerr, serr := handshake(t, props, "localhost", p.serverConfig)
			if c.want == "" {
				if cerr != nil || serr != nil {
					t.Fatalf("got client error %v, server error %v; want both nil", cerr, serr)
				}
				return
			}
			wantVerifyError(t, cerr, c.want)
			if c.want == "certificate revoked" && !errors.Is(cerr, ErrRevoked) {
				t.Fatalf("got %v, want it to wrap ErrRevoked", cerr)
			}
		})
	}

	t.Run("a CRL signed by a key other than its issuer's is ignored", func(t *testing.T) {
		// An impostor CA with the real CA's name signs a CRL revoking the
		// broker: its signature does not verify, so no CRL of the issuer.
		impostor := testcert.NewCA(t, "Test Broker CA")
		props := p.props()
		props.CRLLocation = testcert.Write(t, t.TempDir(), "crl.pem",
			crlPEM(revocationList(t, impostor, now.Add(-time.Hour), now.Add(time.Hour), p.server.Cert.SerialNumber)))
		cerr, _ := handshake(t, props, "localhost", p.serverConfig)
		wantVerifyError(t, cerr, "unable to get certificate CRL")
	})
}

func TestCRLFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		path string
		want string
	}{
		{"a missing CRL file names the property and the file", dir + "/none.pem", "no such file or directory"},
		{"a file that is neither PEM nor DER fails", testcert.Write(t, dir, "junk", []byte("junk")), "neither PEM nor a DER revocation list"},
		{"a PEM file without a CRL fails", testcert.Write(t, dir, "ca.pem", testcert.NewCA(t, "CA").PEM), "no PEM X509 CRL block found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := Defaults()
			props.CRLLocation = c.path
			_, err := Build(props)
			wantError(t, err, ErrInvalid, "ssl.crl.location", c.want)
		})
	}
}
