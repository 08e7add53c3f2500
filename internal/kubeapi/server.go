// Package kubeapi runs a real Kubernetes control plane on loopback for
// tests: etcd, kube-apiserver and a kube-controller-manager limited to the
// namespace and garbage-collector controllers (so namespaces finish
// deleting). It installs the CustomResourceDefinitions the cluster stacks
// need and sends objects to the API server, which decides their validity.
//
// The binaries are built from the Go module proxy by .ci/k8s-build into
// ~/.cache/mpc-mesh/k8s/<version>/ (once, about 800 CPU-s); etcd comes from
// the system (Debian's etcd-server) or the same cache folder.
package kubeapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/mpc-mesh/infra/internal/proc"
)

// Version is the Kubernetes release the check runs against.
const Version = "v1.36.3"

// BuildCommand builds the pinned control-plane binaries into CacheDir;
// `make k8s-tools` runs it.
const BuildCommand = ".ci/k8s-build"

// Binaries are the programs of the control plane.
type Binaries struct {
	// APIServer and ControllerManager are kube-apiserver and kube-controller-manager.
	APIServer, ControllerManager string
	// Etcd is the etcd server.
	Etcd string
}

// CacheDir is where .ci/k8s-build puts the binaries of Version.
func CacheDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "mpc-mesh", "k8s", Version)
}

// FindBinaries locates the control plane: the Kubernetes binaries in
// CacheDir, etcd in CacheDir or on PATH. It returns what is missing, one
// entry per program with how to get it.
func FindBinaries() (Binaries, []string) {
	var b Binaries
	var missing []string
	dir := CacheDir()
	for _, x := range []struct {
		dst  *string
		name string
	}{{&b.APIServer, "kube-apiserver"}, {&b.ControllerManager, "kube-controller-manager"}} {
		p := filepath.Join(dir, x.name)
		if isExecutable(p) {
			*x.dst = p
		} else {
			missing = append(missing, fmt.Sprintf("%s %s (make k8s-tools, or %s, builds it into %s)", x.name, Version, BuildCommand, dir))
		}
	}
	if p := filepath.Join(dir, "etcd"); isExecutable(p) {
		b.Etcd = p
	} else if p, err := exec.LookPath("etcd"); err == nil {
		b.Etcd = p
	} else {
		missing = append(missing, "etcd (apt-get install etcd-server)")
	}
	return b, missing
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Server is a running control plane.
type Server struct {
	// Config reaches the API server as a member of system:masters.
	Config *rest.Config
	// Dir holds the certificates, the etcd data and one log per process.
	Dir string
	// Ready is how long the API server took to answer /readyz.
	Ready                        time.Duration
	etcd, apiserver, controllers *proc.Process
}

// Start starts etcd, kube-apiserver and kube-controller-manager on free
// loopback ports, with a self-signed CA and a static token, and returns once
// the API server is ready. dir must be an empty folder the caller removes.
// Call Stop on every exit path; the processes also die with this one.
func Start(ctx context.Context, bins Binaries, dir string) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		sub := filepath.Join(dir, strconv.Itoa(attempt))
		if err := os.MkdirAll(sub, 0o700); err != nil {
			return nil, err
		}
		s, err := start(ctx, bins, sub)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, bins Binaries, dir string) (_ *Server, err error) {
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = proc.FreePort(); err != nil {
			return nil, err
		}
	}
	etcdPort, peerPort, apiPort := ports[0], ports[1], ports[2]
	pki, err := writePKI(dir)
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	env := os.Environ()

	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	s.etcd, err = proc.Start("etcd", filepath.Join(dir, "etcd.log"), env, bins.Etcd,
		"--name=kubeapi", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=kubeapi="+peerURL,
		"--log-level=warn", "--logger=zap")
	if err != nil {
		return nil, err
	}

	begin := time.Now()
	s.apiserver, err = proc.Start("kube-apiserver", filepath.Join(dir, "kube-apiserver.log"), env, bins.APIServer,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--cert-dir="+dir,
		"--tls-cert-file="+pki.servingCert, "--tls-private-key-file="+pki.servingKey,
		"--token-auth-file="+pki.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+pki.saKey, "--service-account-signing-key-file="+pki.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		"--profiling=false",
		// One client, no tenants: fair queuing only costs memory here.
		"--enable-priority-and-fairness=false",
		"--v=0")
	if err != nil {
		return nil, err
	}
	s.Config = &rest.Config{
		Host:            fmt.Sprintf("https://127.0.0.1:%d", apiPort),
		BearerToken:     pki.token,
		TLSClientConfig: rest.TLSClientConfig{CAData: pki.caPEM},
		QPS:             200,
		Burst:           400,
		UserAgent:       "mpc-mesh-kubeapi",
	}
	if err := s.waitReady(ctx, 90*time.Second); err != nil {
		return nil, err
	}
	s.Ready = time.Since(begin)

	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, s.Config.Host, pki); err != nil {
		return nil, err
	}
	s.controllers, err = proc.Start("kube-controller-manager", filepath.Join(dir, "kube-controller-manager.log"), env, bins.ControllerManager,
		"--kubeconfig="+kubeconfig,
		// Only what deleting namespaces needs: no pods run here.
		"--controllers=namespace-controller,garbage-collector-controller",
		"--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port=0",
		"--v=0")
	if err != nil {
		return nil, err
	}
	return s, nil
}

// waitReady polls /readyz until the API server answers ok, it exits, or
// the timeout passes.
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.Config.TLSClientConfig.CAData)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.apiserver.Exited():
			return fmt.Errorf("kube-apiserver exited at start:\n%s\netcd:\n%s", s.apiserver.Tail(15), s.etcd.Tail(5))
		case <-s.etcd.Exited():
			return fmt.Errorf("etcd exited at start:\n%s", s.etcd.Tail(15))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Config.Host+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+s.Config.BearerToken)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("kube-apiserver not ready within %s:\n%s", timeout, s.apiserver.Tail(15))
}

// APIServerRSS is the API server's resident memory in bytes.
func (s *Server) APIServerRSS() int64 { return s.apiserver.RSSBytes() }

// Stop stops the controller manager, then the API server, then etcd, and
// returns once all have exited.
func (s *Server) Stop() {
	for _, p := range []*proc.Process{s.controllers, s.apiserver, s.etcd} {
		if p != nil {
			p.Stop(10 * time.Second)
		}
	}
}

// pki are the files and secrets the control plane is started with.
type pki struct {
	caPEM                                     []byte
	servingCert, servingKey, saKey, tokenFile string
	token                                     string
}

// writePKI writes a fresh CA, a serving certificate for 127.0.0.1, a
// service-account signing key and a token file naming one administrator.
func writePKI(dir string) (*pki, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mpc-mesh-kubeapi-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tokenBytes := make([]byte, 24)
	if _, err := rand.Read(tokenBytes); err != nil {
		return nil, err
	}
	p := &pki{
		caPEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		servingCert: filepath.Join(dir, "apiserver.crt"),
		servingKey:  filepath.Join(dir, "apiserver.key"),
		saKey:       filepath.Join(dir, "sa.key"),
		tokenFile:   filepath.Join(dir, "tokens.csv"),
		token:       fmt.Sprintf("%x", tokenBytes),
	}
	srvKeyPEM, err := ecKeyPEM(srvKey)
	if err != nil {
		return nil, err
	}
	saKeyPEM, err := ecKeyPEM(saKey)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		filepath.Join(dir, "ca.crt"): p.caPEM,
		p.servingCert:                append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}), p.caPEM...),
		p.servingKey:                 srvKeyPEM,
		p.saKey:                      saKeyPEM,
		// token,user,uid,"groups": the one user is a cluster administrator.
		p.tokenFile: []byte(fmt.Sprintf("%s,mpc-mesh-admin,1000,\"system:masters\"\n", p.token)),
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func ecKeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// writeKubeconfig writes a kubeconfig with the administrator's token, for
// the controller manager.
func writeKubeconfig(path, host string, p *pki) error {
	ca := filepath.Join(filepath.Dir(path), "ca.crt")
	cfg := strings.Join([]string{
		"apiVersion: v1",
		"kind: Config",
		"clusters:",
		"- name: local",
		"  cluster:",
		"    server: " + host,
		"    certificate-authority: " + ca,
		"users:",
		"- name: admin",
		"  user:",
		"    token: " + p.token,
		"contexts:",
		"- name: local",
		"  context: {cluster: local, user: admin}",
		"current-context: local",
		"",
	}, "\n")
	return os.WriteFile(path, []byte(cfg), 0o600)
}
