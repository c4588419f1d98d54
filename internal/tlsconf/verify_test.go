package tlsconf

import (
	"testing"

	"github.com/kprod-go/kprod/internal/testcert"
)

func TestVerification(t *testing.T) {
	p := newPKI(t)
	untrusted := testcert.NewCA(t, "Untrusted CA").Issue(t, "broker", testcert.Options{})
	expired := p.ca.Issue(t, "broker", testcert.Options{Expired: true})

	cases := []struct {
		name     string
		verify   bool
		endpoint string
		host     string
		server   *testcert.Leaf
		want     string // "" for a handshake that succeeds
	}{
		{"https checks the host name and refuses the wrong one", true, "https", "broker.example", p.server,
			"x509: certificate is valid for localhost, not broker.example"},
		{"https accepts the right host name", true, "https", "localhost", p.server, ""},
		{"https accepts an IP address in the certificate", true, "https", "127.0.0.1", p.server, ""},
		{"the algorithm's name is case-insensitive", true, "HTTPS", "broker.example", p.server,
			"x509: certificate is valid for localhost, not broker.example"},
		{"none accepts the wrong host name", true, "none", "broker.example", p.server, ""},
		{"None is none", true, "None", "broker.example", p.server, ""},
		{"none still refuses an untrusted certificate", true, "none", "localhost", untrusted,
			"tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{"https refuses an untrusted certificate", true, "https", "localhost", untrusted,
			"tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{"https refuses an expired certificate", true, "https", "localhost", expired,
			"x509: certificate has expired or is not yet valid"},
		{"none refuses an expired certificate", true, "none", "localhost", expired,
			"x509: certificate has expired or is not yet valid"},
		{"verification off accepts an untrusted certificate", false, "https", "localhost", untrusted, ""},
		{"verification off accepts an expired certificate for another host", false, "https", "broker.example", expired, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := p.props()
			props.Verify, props.EndpointIdentification = c.verify, c.endpoint
			cerr, serr := handshake(t, props, c.host, testcert.ServerTLS(c.server, nil))
			if c.want == "" {
				if cerr != nil || serr != nil {
					t.Fatalf("got client error %v, server error %v; want both nil", cerr, serr)
				}
				return
			}
			wantVerifyError(t, cerr, c.want)
		})
	}
}

func TestEndpointIdentificationValues(t *testing.T) {
	for _, v := range []string{"http", "true", "hostname"} {
		t.Run(v+" is not an algorithm", func(t *testing.T) {
			props := Defaults()
			props.EndpointIdentification = v
			_, err := Build(props)
			wantError(t, err, ErrInvalid, "ssl.endpoint.identification.algorithm", `"`+v+`": must be "https" or "none"`)
		})
	}
	t.Run("empty means https", func(t *testing.T) {
		cfg, err := Build(Properties{Verify: true})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.InsecureSkipVerify || cfg.VerifyConnection != nil {
			t.Fatalf("got InsecureSkipVerify %v, VerifyConnection set %v; want crypto/tls's own checks", cfg.InsecureSkipVerify, cfg.VerifyConnection != nil)
		}
	})
}
