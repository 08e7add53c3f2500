package netcheck_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

// Every listener of these tests binds a 127.0.0.x address: no traffic leaves loopback.

const testEnv = "testnet"

// fastProbe keeps every test bounded: short deadlines, two attempts.
var fastProbe = netcheck.ProbeOptions{Timeout: 300 * time.Millisecond, Attempts: 2, RetryDelay: 10 * time.Millisecond}

// startParty serves id on host with the named ports on free port numbers
// and returns the ports as bound.
func startParty(t *testing.T, host string, id netcheck.Identity, names ...string) (*netcheck.Server, []netcheck.Port) {
	t.Helper()
	return startServer(t, netcheck.ServerConfig{Identity: id, Host: host}, names...)
}

func startServer(t *testing.T, cfg netcheck.ServerConfig, names ...string) (*netcheck.Server, []netcheck.Port) {
	t.Helper()
	for _, n := range names {
		cfg.Ports = append(cfg.Ports, netcheck.Port{Name: n})
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Second
	}
	srv, err := netcheck.Listen(cfg)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	ports := make([]netcheck.Port, 0, len(names))
	for _, n := range names {
		ports = append(ports, netcheck.Port{Name: n, Port: srv.Addr(n).(*net.TCPAddr).Port})
	}
	return srv, ports
}

// closedPort returns a port on host where nothing listens.
func closedPort(t *testing.T, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// holdListener accepts connections on host and never answers; handle, when
// set, runs on each accepted connection. Everything closes at cleanup.
func holdListener(t *testing.T, host string, handle func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			if handle != nil {
				wg.Add(1)
				go func() { defer wg.Done(); handle(c) }()
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).Port
}

func target(id int, host string, ports ...netcheck.Port) netcheck.Target {
	return netcheck.Target{PartyID: id, Address: host, Ports: ports}
}

func port(name string, n int) netcheck.Port { return netcheck.Port{Name: name, Port: n} }

// byPeerPort indexes a report's results.
func byPeerPort(r netcheck.Report) map[string]netcheck.Result {
	m := map[string]netcheck.Result{}
	for _, res := range r.Results {
		m[strconv.Itoa(res.PeerID)+"/"+res.PortName] = res
	}
	return m
}

// pki is a throw-away CA with leaf certificates written as PEM files.
type pki struct {
	t      *testing.T
	dir    string
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	CAFile string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "netcheck test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &pki{t: t, dir: t.TempDir(), ca: ca, caKey: key}
	p.CAFile = p.write("ca.pem", "CERTIFICATE", der)
	return p
}

func (p *pki) write(name, typ string, der []byte) string {
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// leaf issues a certificate for dnsName and returns its TLS files with the CA.
func (p *pki) leaf(dnsName string) netcheck.TLSFiles {
	p.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: dnsName}, DNSNames: []string{dnsName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		p.t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		p.t.Fatal(err)
	}
	return netcheck.TLSFiles{CA: p.CAFile, Cert: p.write(dnsName+".pem", "CERTIFICATE", der), Key: p.write(dnsName+".key", "EC PRIVATE KEY", keyDER)}
}

func serverTLS(t *testing.T, f netcheck.TLSFiles) *tls.Config {
	t.Helper()
	cfg, err := f.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func clientTLS(t *testing.T, f netcheck.TLSFiles) *tls.Config {
	t.Helper()
	cfg, err := f.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
