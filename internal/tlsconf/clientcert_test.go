package tlsconf

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/kprod-go/kprod/internal/testcert"
	"software.sslmate.com/src/go-pkcs12"
)

func TestMutualTLS(t *testing.T) {
	p := newPKI(t)
	plain, _ := pem.Decode(p.client.KeyPEM)
	sec1, err := x509.MarshalECPrivateKey(p.client.TLS.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the test makes a legacy-encrypted key to read.
	legacyBlock, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", sec1, []byte("secret"), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	legacy := pem.EncodeToMemory(legacyBlock)
	pkcs8 := encryptPKCS8(t, plain.Bytes, "secret", pbkdf2PRFs[2].oid, pbkdf2PRFs[2].hash, pbes2Ciphers[2])
	keystore, err := pkcs12.Modern.Encode(p.client.TLS.PrivateKey, p.client.Cert, []*x509.Certificate{p.clientCA.Cert}, "storepass")
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		set  func(*Properties)
	}{
		{"a certificate and key from files authenticate the client", func(pr *Properties) {
			pr.CertLocation, pr.KeyLocation = p.certFile, p.keyFile
		}},
		{"a certificate and key as PEM strings authenticate the client", func(pr *Properties) {
			pr.CertPEM, pr.KeyPEM = string(p.client.CertPEM), string(p.client.KeyPEM)
		}},
		{"a file holding both certificate and key serves as both", func(pr *Properties) {
			both := testcert.Write(t, p.dir, "both.pem", append(append([]byte{}, p.client.CertPEM...), p.client.KeyPEM...))
			pr.CertLocation, pr.KeyLocation = both, both
		}},
		{"a legacy-encrypted PEM key is decrypted with ssl.key.password", func(pr *Properties) {
			pr.CertLocation = p.certFile
			pr.KeyLocation = testcert.Write(t, p.dir, "legacy.key", legacy)
			pr.KeyPassword = "secret"
		}},
		{"an encrypted PKCS#8 key is decrypted with ssl.key.password", func(pr *Properties) {
			pr.CertLocation = p.certFile
			pr.KeyPEM = string(pkcs8)
			pr.KeyPassword = "secret"
		}},
		{"a PKCS#12 keystore authenticates the client", func(pr *Properties) {
			pr.KeystoreLocation = testcert.Write(t, p.dir, "client.p12", keystore)
			pr.KeystorePassword = "storepass"
		}},
		{"a password for an unencrypted key is ignored", func(pr *Properties) {
			pr.CertLocation, pr.KeyLocation, pr.KeyPassword = p.certFile, p.keyFile, "unused"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := p.props()
			c.set(&props)
			mustHandshake(t, props, "localhost", p.mutualConfig)
		})
	}

	t.Run("without a client certificate the broker refuses the client", func(t *testing.T) {
		cerr, serr := handshake(t, p.props(), "localhost", p.mutualConfig)
		if cerr == nil || serr == nil {
			t.Fatalf("got client error %v, server error %v; want both", cerr, serr)
		}
	})
}

func TestClientCertificateErrors(t *testing.T) {
	p := newPKI(t)
	other := p.clientCA.Issue(t, "other", testcert.Options{Client: true})
	otherKey := testcert.Write(t, p.dir, "other.key", other.KeyPEM)
	plain, _ := pem.Decode(p.client.KeyPEM)
	pkcs8 := testcert.Write(t, p.dir, "pkcs8.key", encryptPKCS8(t, plain.Bytes, "secret", pbkdf2PRFs[4].oid, pbkdf2PRFs[4].hash, pbes2Ciphers[0]))
	keystore, err := pkcs12.Modern.Encode(p.client.TLS.PrivateKey, p.client.Cert, nil, "storepass")
	if err != nil {
		t.Fatal(err)
	}
	p12 := testcert.Write(t, p.dir, "client.p12", keystore)
	missing := p.dir + "/missing.pem"

	cases := []struct {
		name     string
		props    Properties
		property string
		want     string
		cause    error
	}{
		{"a certificate without a key names both properties",
			Properties{CertLocation: p.certFile}, "ssl.certificate.location",
			"has no private key: set ssl.key.location or ssl.key.pem", nil},
		{"a key without a certificate names both properties",
			Properties{KeyPEM: string(p.client.KeyPEM)}, "ssl.key.pem",
			"has no certificate: set ssl.certificate.location or ssl.certificate.pem", nil},
		{"a key that is not the certificate's fails",
			Properties{CertLocation: p.certFile, KeyLocation: otherKey}, "ssl.key.location",
			`"` + otherKey + `": does not match the public key of ssl.certificate.location "` + p.certFile + `"`, nil},
		{"the wrong key password fails and says so",
			Properties{CertLocation: p.certFile, KeyLocation: pkcs8, KeyPassword: "wr0ng-pw"}, "ssl.key.password",
			"ssl.key.password: cannot decrypt ssl.key.location " + pkcs8 + ": wrong password?", x509.IncorrectPasswordError},
		{"an encrypted key without a password names ssl.key.password",
			Properties{CertLocation: p.certFile, KeyLocation: pkcs8}, "ssl.key.location",
			"the key is encrypted and ssl.key.password is not set", nil},
		{"a missing certificate file fails with the file's error",
			Properties{CertLocation: missing, KeyLocation: p.keyFile}, "ssl.certificate.location",
			`ssl.certificate.location "` + missing + `": open ` + missing + `: no such file or directory`, fs.ErrNotExist},
		{"a key file with no key fails",
			Properties{CertLocation: p.certFile, KeyLocation: p.certFile}, "ssl.key.location",
			"no PEM private key found", nil},
		{"a certificate PEM with no certificate fails",
			Properties{CertPEM: "junk", KeyLocation: p.keyFile}, "ssl.certificate.pem",
			"ssl.certificate.pem: no PEM certificate found", nil},
		{"a certificate both as file and PEM is refused",
			Properties{CertLocation: p.certFile, CertPEM: string(p.client.CertPEM), KeyLocation: p.keyFile}, "ssl.certificate.pem",
			"cannot be set together with ssl.certificate.location", nil},
		{"the wrong keystore password fails and says so",
			Properties{KeystoreLocation: p12, KeystorePassword: "wr0ng-pw"}, "ssl.keystore.password",
			"cannot decrypt ssl.keystore.location " + p12 + ": wrong password?", pkcs12.ErrIncorrectPassword},
		{"a keystore without a password is refused, as librdkafka refuses it",
			Properties{KeystoreLocation: p12}, "ssl.keystore.password",
			"must be set when ssl.keystore.location is set", nil},
		{"a keystore with a certificate too is refused",
			Properties{KeystoreLocation: p12, KeystorePassword: "storepass", CertLocation: p.certFile}, "ssl.keystore.location",
			"do not also set ssl.certificate.* or ssl.key.*", nil},
		{"a keystore that is not PKCS#12 fails",
			Properties{KeystoreLocation: p.certFile, KeystorePassword: "storepass"}, "ssl.keystore.location",
			`ssl.keystore.location "` + p.certFile + `"`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.props.Verify = true
			_, err := Build(c.props)
			wantError(t, err, ErrInvalid, c.property, c.want)
			if c.cause != nil && !errors.Is(err, c.cause) {
				t.Errorf("got %v, want it to wrap %v", err, c.cause)
			}
			for _, secret := range []string{"wr0ng-pw", "storepass", "secret", "PRIVATE KEY"} {
				if strings.Contains(err.Error(), secret) && !strings.Contains(p.dir, secret) {
					t.Errorf("got error %q, which shows %q", err, secret)
				}
			}
		})
	}
}
