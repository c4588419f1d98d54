package tlsconf

import (
	"crypto/ecdsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kprod-go/kprod/internal/testcert"
)

func TestDecryptPKCS8EveryPRFAndCipher(t *testing.T) {
	ca := testcert.NewCA(t, "CA")
	leaf := ca.Issue(t, "client", testcert.Options{Client: true})
	plain, _ := pem.Decode(leaf.KeyPEM)
	for _, prf := range pbkdf2PRFs {
		for _, c := range pbes2Ciphers {
			t.Run(prf.name+" with "+c.name+" decrypts to the original key", func(t *testing.T) {
				enc := encryptPKCS8(t, plain.Bytes, "secret", prf.oid, prf.hash, c)
				block, _ := pem.Decode(enc)
				got, err := decryptPKCS8(block.Bytes, "secret")
				if err != nil {
					t.Fatalf("decryptPKCS8: %v", err)
				}
				if string(got) != string(plain.Bytes) {
					t.Fatalf("got %x, want %x", got, plain.Bytes)
				}
			})
		}
	}
	t.Run("no PRF means hmacWithSHA1", func(t *testing.T) {
		enc := encryptPKCS8(t, plain.Bytes, "secret", nil, sha1.New, pbes2Ciphers[2])
		block, _ := pem.Decode(enc)
		got, err := decryptPKCS8(block.Bytes, "secret")
		if err != nil || string(got) != string(plain.Bytes) {
			t.Fatalf("got %x, %v; want the original key", got, err)
		}
	})
}

func TestDecryptPKCS8Refuses(t *testing.T) {
	ca := testcert.NewCA(t, "CA")
	leaf := ca.Issue(t, "client", testcert.Options{Client: true})
	plain, _ := pem.Decode(leaf.KeyPEM)
	good := encryptPKCS8(t, plain.Bytes, "secret", pbkdf2PRFs[2].oid, pbkdf2PRFs[2].hash, pbes2Ciphers[2])
	block, _ := pem.Decode(good)

	// pbeWithSHA1AndDES-CBC, PKCS#5 v1.5: a scheme no one should still use.
	pbes1, err := asn1.Marshal(encryptedPrivateKeyInfo{
		Algorithm:     pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 10}},
		EncryptedData: make([]byte, 32),
	})
	if err != nil {
		t.Fatal(err)
	}
	var unsup *unsupportedScheme
	if _, err := decryptPKCS8(pbes1, "secret"); !errors.As(err, &unsup) {
		t.Errorf("PBES1: got %v, want an unsupportedScheme", err)
	}
	props := Defaults()
	props.CertPEM, props.KeyPassword = string(leaf.CertPEM), "secret"
	props.KeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: pbes1}))
	_, err = Build(props)
	wantError(t, err, ErrUnsupported, "ssl.key.pem", "the key's encryption 1.2.840.113549.1.5.10 is not supported")
	if _, err := decryptPKCS8(block.Bytes[:len(block.Bytes)-5], "secret"); err == nil {
		t.Error("truncated: got no error, want one")
	}
	if _, err := decryptPKCS8(append(append([]byte{}, block.Bytes...), 0), "secret"); err == nil {
		t.Error("trailing data: got no error, want one")
	}
}

// TestKeysOpenSSLWrote decrypts keys that the openssl command encrypted,
// so that decryptPKCS8 and the test's encryptPKCS8 cannot agree on a
// mistake unnoticed.
func TestKeysOpenSSLWrote(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("skipping: the openssl command is not installed, so keys it encrypts cannot be checked")
	}
	ca := testcert.NewCA(t, "CA")
	leaf := ca.Issue(t, "client", testcert.Options{Client: true})
	dir := t.TempDir()
	in := testcert.Write(t, dir, "plain.pem", leaf.KeyPEM)
	want := leaf.TLS.PrivateKey.(*ecdsa.PrivateKey)

	cases := []struct {
		name string
		args []string
	}{
		{"PKCS#8 with aes-128-cbc and hmacWithSHA256", []string{"pkcs8", "-topk8", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA256"}},
		{"PKCS#8 with aes-192-cbc and hmacWithSHA256", []string{"pkcs8", "-topk8", "-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA256"}},
		{"PKCS#8 with aes-256-cbc and hmacWithSHA1", []string{"pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA1"}},
		{"PKCS#8 with aes-256-cbc and hmacWithSHA224", []string{"pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA224"}},
		{"PKCS#8 with aes-256-cbc and hmacWithSHA384", []string{"pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA384"}},
		{"PKCS#8 with aes-256-cbc and hmacWithSHA512", []string{"pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA512"}},
		{"PKCS#8 with des3 and hmacWithSHA256", []string{"pkcs8", "-topk8", "-v2", "des3", "-v2prf", "hmacWithSHA256"}},
		{"legacy PEM with aes256", []string{"ec", "-aes256"}},
		{"legacy PEM with des3", []string{"ec", "-des3"}},
	}
	for i, c := range cases {
		t.Run(c.name+" is read", func(t *testing.T) {
			out := filepath.Join(dir, "enc"+string(rune('a'+i))+".pem")
			args := append(c.args, "-in", in, "-out", out, "-passout", "pass:secret")
			if b, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl %v: %v\n%s", args, err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			key, err := privateKey(source{property: "ssl.key.location", path: out, data: data}, "secret")
			if err != nil {
				t.Fatalf("privateKey: %v", err)
			}
			if !want.Equal(key) {
				t.Fatalf("got a different key than the one openssl encrypted")
			}
			if _, err := privateKey(source{property: "ssl.key.location", path: out, data: data}, "wrong"); !errors.Is(err, x509.IncorrectPasswordError) {
				t.Fatalf("with the wrong password: got %v, want x509.IncorrectPasswordError", err)
			}
		})
	}
}
