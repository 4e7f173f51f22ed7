package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI makes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all written as PEM files in dir.
type testPKI struct {
	caFile, serverCert, serverKey string
	caPool                        *x509.CertPool
	client                        tls.Certificate
	otherClient                   tls.Certificate // signed by another CA
}

func newTestPKI(t *testing.T, dir string) *testPKI {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	serial := int64(1)
	issue := func(tmpl *x509.Certificate, parent *x509.Certificate, parentKey, key *ecdsa.PrivateKey) *x509.Certificate {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	keyDER := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	caTmpl := func(name string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	}
	caKey, otherKey := newKey(), newKey()
	ca := issue(caTmpl("evctl test CA"), nil, nil, caKey)
	other := issue(caTmpl("another CA"), nil, nil, otherKey)
	srvKey := newKey()
	srv := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "registry"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, ca, caKey, srvKey)
	clientCert := func(parent *x509.Certificate, parentKey *ecdsa.PrivateKey) tls.Certificate {
		k := newKey()
		c := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "producer"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, parent, parentKey, k)
		return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: k}
	}
	p := &testPKI{
		caFile:      write("ca.pem", "CERTIFICATE", ca.Raw),
		serverCert:  write("server.pem", "CERTIFICATE", srv.Raw),
		serverKey:   write("server-key.pem", "EC PRIVATE KEY", keyDER(srvKey)),
		caPool:      x509.NewCertPool(),
		client:      clientCert(ca, caKey),
		otherClient: clientCert(other, otherKey),
	}
	p.caPool.AddCert(ca)
	return p
}

// serveInBackground runs Serve until the test ends and returns its address.
func serveInBackground(t *testing.T, opts registryServeConfig) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	opts.Ready = func(a net.Addr) { addr <- a.String() }
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	go func() { done <- serveRegistry(ctx, opts) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case a := <-addr:
		return a
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return ""
}

func TestServeTLSAndMutualTLS(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, dir)
	get := func(addr string, cert *tls.Certificate) (int, error) {
		cfg := &tls.Config{RootCAs: pki.caPool}
		if cert != nil {
			cfg.Certificates = []tls.Certificate{*cert}
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
		res, err := c.Get("https://" + addr + "/subjects")
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}

	// TLS only.
	addr := serveInBackground(t, registryServeConfig{Addr: "127.0.0.1:0", DataPath: filepath.Join(dir, "tls.db"),
		TLSCert: pki.serverCert, TLSKey: pki.serverKey})
	if code, err := get(addr, nil); err != nil || code != 200 {
		t.Fatalf("HTTPS GET: %d, %v", code, err)
	}
	if res, err := http.Get("http://" + addr + "/subjects"); err == nil {
		res.Body.Close()
		if res.StatusCode == 200 {
			t.Fatal("plain HTTP answered 200 on the TLS listener")
		}
	}

	// Mutual TLS: a client certificate from the CA is required.
	addr = serveInBackground(t, registryServeConfig{Addr: "127.0.0.1:0", DataPath: filepath.Join(dir, "mtls.db"),
		TLSCert: pki.serverCert, TLSKey: pki.serverKey, TLSClientCA: pki.caFile})
	if code, err := get(addr, &pki.client); err != nil || code != 200 {
		t.Fatalf("mTLS GET with the client certificate: %d, %v", code, err)
	}
	if _, err := get(addr, nil); err == nil {
		t.Fatal("mTLS listener accepted a client without a certificate")
	}
	if _, err := get(addr, &pki.otherClient); err == nil {
		t.Fatal("mTLS listener accepted a certificate from another CA")
	}

	// Misconfigurations fail at start-up.
	for _, o := range []registryServeConfig{
		{TLSCert: pki.serverCert},
		{TLSClientCA: pki.caFile},
		{TLSCert: pki.serverCert, TLSKey: pki.caFile},
	} {
		o.Addr, o.DataPath, o.Log = "127.0.0.1:0", filepath.Join(dir, "bad.db"), io.Discard
		if err := serveRegistry(context.Background(), o); err == nil || !strings.Contains(err.Error(), "tls") && !strings.Contains(err.Error(), "TLS") {
			t.Errorf("serveRegistry(%+v): %v, want a TLS configuration error", o, err)
		}
	}
}

// A non-loopback address needs auth, mTLS, or an explicit --insecure-listen.
func TestServeNonLoopbackNeedsAuth(t *testing.T) {
	err := serveRegistry(context.Background(), registryServeConfig{Addr: "0.0.0.0:0", DataPath: filepath.Join(t.TempDir(), "r.db"), Log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "--insecure-listen") {
		t.Fatalf("non-loopback without auth: %v, want a refusal naming --insecure-listen", err)
	}
}
