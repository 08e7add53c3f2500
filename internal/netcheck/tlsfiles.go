package netcheck

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSFiles names the PEM files of the optional TLS mode.
type TLSFiles struct {
	// CA verifies the other side: the server's certificate on the probe, client
	// certificates on the server (which then requires one).
	CA string
	// Cert and Key are this side's certificate chain and private key; the
	// server needs them, the probe sends them as a client certificate when set.
	Cert, Key string
}

// Enabled reports whether any TLS file is set.
func (f TLSFiles) Enabled() bool { return f.CA != "" || f.Cert != "" || f.Key != "" }

// ServerConfig returns the server's TLS config, or nil when TLS is off.
func (f TLSFiles) ServerConfig() (*tls.Config, error) {
	if !f.Enabled() {
		return nil, nil
	}
	if f.Cert == "" || f.Key == "" {
		return nil, fmt.Errorf("TLS server needs --tls-cert and --tls-key")
	}
	cfg, err := f.base()
	if err != nil {
		return nil, err
	}
	if cfg.RootCAs != nil {
		cfg.ClientCAs, cfg.RootCAs = cfg.RootCAs, nil
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// ClientConfig returns the probe's TLS config, or nil when TLS is off.
func (f TLSFiles) ClientConfig() (*tls.Config, error) {
	if !f.Enabled() {
		return nil, nil
	}
	if f.CA == "" {
		return nil, fmt.Errorf("TLS probe needs --tls-ca to verify peers")
	}
	if (f.Cert == "") != (f.Key == "") {
		return nil, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	return f.base()
}

func (f TLSFiles) base() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS13}
	if f.CA != "" {
		pem, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", f.CA)
		}
		cfg.RootCAs = pool
	}
	if f.Cert != "" {
		pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("TLS key pair: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
