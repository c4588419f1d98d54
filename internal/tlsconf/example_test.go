package tlsconf_test

import (
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/kprod-go/kprod/internal/tlsconf"
)

func ExampleBuild() {
	props := tlsconf.Defaults()
	props.EndpointIdentification = "none"
	props.CipherSuites = "ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256"
	props.Curves = "X25519:prime256v1"
	base, err := tlsconf.Build(props)
	if err != nil {
		fmt.Println(err)
		return
	}
	// One clone per broker connection.
	cfg := tlsconf.ForHost(base, "broker1.example")
	fmt.Println(cfg.ServerName, cfg.MinVersion == tls.VersionTLS12)
	fmt.Println(tls.CipherSuiteName(cfg.CipherSuites[0]), cfg.CurvePreferences)

	props.CipherSuites = "HIGH:!aNULL"
	_, err = tlsconf.Build(props)
	fmt.Println(err)
	fmt.Println(errors.Is(err, tlsconf.ErrUnsupported))
	// Output:
	// broker1.example true
	// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 [X25519 CurveP256]
	// ssl.cipher.suites "HIGH:!aNULL": Go's TLS cannot honour "HIGH": only names of TLS 1.2 cipher suites Go implements are supported, not OpenSSL keywords or other suites
	// true
}
