package tlsconf

import "fmt"

// Properties are librdkafka's TLS properties, as the producer parsed them
// (strings as given; empty = unset). The zero value turns certificate
// verification off, because Verify is false; start from Defaults.
type Properties struct {
	// CALocation is ssl.ca.location: a PEM file, or a directory whose
	// regular files are read and every one that parses as PEM certificates
	// adds them (*.pem, *.crt, OpenSSL's hashed names like abcd1234.0). The
	// value "probe" means the system roots, as when unset.
	CALocation string
	// CAPEM is ssl.ca.pem: one or more PEM certificates, added to those of
	// CALocation.
	CAPEM string
	// CertLocation is ssl.certificate.location: the client certificate as
	// PEM, possibly followed by its chain.
	CertLocation string
	// CertPEM is ssl.certificate.pem: as CertLocation, inline.
	CertPEM string
	// KeyLocation is ssl.key.location: the client's PEM private key
	// (PKCS#1, SEC 1 or PKCS#8, possibly encrypted).
	KeyLocation string
	// KeyPEM is ssl.key.pem: as KeyLocation, inline.
	KeyPEM string
	// KeyPassword is ssl.key.password: decrypts an encrypted key, either
	// legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED) or PKCS#8
	// PBES2 (ENCRYPTED PRIVATE KEY). Ignored for an unencrypted key.
	KeyPassword string
	// KeystoreLocation is ssl.keystore.location: a PKCS#12 file holding the
	// client key, its certificate and optionally the chain. It replaces the
	// certificate and key properties.
	KeystoreLocation string
	// KeystorePassword is ssl.keystore.password, required with
	// KeystoreLocation.
	KeystorePassword string
	// CRLLocation is ssl.crl.location: a file of PEM or DER certificate
	// revocation lists. When set, a broker certificate must have a CRL from
	// its issuer in the file, and must not be revoked by it (OpenSSL's
	// X509_V_FLAG_CRL_CHECK: the leaf is checked, not the intermediates).
	CRLLocation string
	// Verify is enable.ssl.certificate.verification (librdkafka default
	// true). When false, nothing about the broker's certificate is checked.
	Verify bool
	// EndpointIdentification is ssl.endpoint.identification.algorithm,
	// case-insensitive: "https" (also when empty) checks the broker's host
	// name against its certificate; "none" checks only the chain.
	EndpointIdentification string
	// CipherSuites is ssl.cipher.suites: OpenSSL or IANA names of TLS 1.2
	// cipher suites, separated by colons (or commas or spaces). See
	// cipherSuites for what Go can honour.
	CipherSuites string
	// Curves is ssl.curves.list: OpenSSL group names separated by colons,
	// such as "X25519:prime256v1:secp384r1".
	Curves string
	// Sigalgs is ssl.sigalgs.list. Go's client cannot restrict signature
	// algorithms, so any value fails with ErrUnsupported.
	Sigalgs string
}

// Defaults returns the properties as librdkafka has them when none is set:
// verification on, host names checked.
func Defaults() Properties {
	return Properties{Verify: true, EndpointIdentification: "https"}
}

// String describes p without its keys and passwords.
func (p Properties) String() string {
	return fmt.Sprintf("tlsconf.Properties{CA %q, certificate %q, key %q, keystore %q, verify %v, identification %q, [passwords and PEM keys redacted]}",
		p.CALocation, p.CertLocation, p.KeyLocation, p.KeystoreLocation, p.Verify, p.EndpointIdentification)
}

// GoString keeps the secrets out of %#v too.
func (p Properties) GoString() string { return p.String() }
