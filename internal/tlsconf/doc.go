// Package tlsconf builds the client *tls.Config a broker connection uses
// from librdkafka's ssl.* properties, giving them librdkafka's meaning as
// far as Go's crypto/tls allows.
//
// The producer parses its ConfigMap into Properties once; Build reads the
// files they name, checks everything, and returns one config that every
// connection clones with ForHost:
//
//	base, err := tlsconf.Build(props)  // once, when the producer starts
//	conn := tls.Client(raw, tlsconf.ForHost(base, host))
//
// What each property does:
//
//   - ssl.ca.location, ssl.ca.pem: the roots broker certificates must chain
//     to; when neither is set (or the location is "probe"), the system's.
//   - ssl.certificate.location/.pem with ssl.key.location/.pem, or
//     ssl.keystore.location (PKCS#12): the client certificate for mutual
//     TLS. ssl.key.password decrypts an encrypted PEM key (legacy OpenSSL
//     or PKCS#8 PBES2); ssl.keystore.password opens the keystore.
//   - enable.ssl.certificate.verification=false: nothing about the broker's
//     certificate is checked.
//   - ssl.endpoint.identification.algorithm: "https" checks the chain and
//     the host name, "none" only the chain.
//   - ssl.crl.location: the broker's certificate must not be revoked by its
//     issuer's CRL, which must be in the file (OpenSSL's CRL_CHECK).
//   - ssl.cipher.suites, ssl.curves.list: OpenSSL names mapped to Go's.
//
// Where Go's TLS cannot do what OpenSSL would, Build fails with an error
// wrapping ErrUnsupported rather than quietly doing something else:
// OpenSSL cipher keywords (HIGH, !aNULL), unknown suites or groups, and
// any ssl.sigalgs.list. Go also ignores the order of cipher suites and
// curves, and TLS 1.3 suites cannot be chosen: their names are accepted
// and have no effect.
//
// The minimum version is TLS 1.2, librdkafka's with OpenSSL 3.
package tlsconf
