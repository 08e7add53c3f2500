package netcheck_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

func self() netcheck.Identity { return netcheck.Identity{PartyID: 1, Environment: testEnv} }

func TestProbeReachesTheRightParty(t *testing.T) {
	_, ports := startParty(t, "127.0.0.2", netcheck.Identity{PartyID: 2, Environment: testEnv}, "grpc", "peer", "metrics")
	plan := netcheck.Plan{Self: self(), Peers: []netcheck.Target{target(2, "127.0.0.2", ports...)}}
	if err := plan.Validate(); err != nil {
		t.Fatal(err)
	}
	r := netcheck.Probe(context.Background(), plan, fastProbe)
	if r.PartyID != 1 || r.Environment != testEnv {
		t.Errorf("report identity = %d/%s, want 1/%s", r.PartyID, r.Environment, testEnv)
	}
	if len(r.Results) != 3 {
		t.Fatalf("want 3 results (one per port), got %+v", r.Results)
	}
	for i, res := range r.Results {
		if res.Status != netcheck.StatusOK || res.Attempts != 1 || res.PeerID != 2 || res.PortName != ports[i].Name || res.Port != ports[i].Port {
			t.Errorf("result %d = %+v, want ok on %s:%d in 1 attempt", i, res, ports[i].Name, ports[i].Port)
		}
	}
	if !r.OK() {
		t.Error("report not OK although every path is ok")
	}
}

func TestProbeClassifiesFailures(t *testing.T) {
	_, wrongParty := startParty(t, "127.0.0.4", netcheck.Identity{PartyID: 5, Environment: testEnv}, "grpc")
	_, wrongEnv := startParty(t, "127.0.0.5", netcheck.Identity{PartyID: 5, Environment: "mainnet"}, "grpc")
	_, crossed := startParty(t, "127.0.0.7", netcheck.Identity{PartyID: 7, Environment: testEnv}, "peer")
	silent := holdListener(t, "127.0.0.6", nil)
	garbage := holdListener(t, "127.0.0.8", func(c net.Conn) { c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n")) })
	closer := holdListener(t, "127.0.0.9", func(c net.Conn) { c.Close() })
	plan := netcheck.Plan{Self: self(), Peers: []netcheck.Target{
		target(3, "127.0.0.3", port("grpc", closedPort(t, "127.0.0.3"))),
		target(4, "127.0.0.4", wrongParty...),
		target(5, "127.0.0.5", wrongEnv...),
		target(6, "127.0.0.6", port("grpc", silent)),
		// party 7's "peer" listener published as its grpc port: a cross-wired mapping.
		target(7, "127.0.0.7", port("grpc", crossed[0].Port)),
		target(8, "127.0.0.8", port("grpc", garbage)),
		target(9, "127.0.0.9", port("grpc", closer)),
		{PartyID: 10, Address: "mpc-node-10.invalid", Ports: []netcheck.Port{port("grpc", 50100)}},
	}}
	r := netcheck.Probe(context.Background(), plan, fastProbe)
	got := byPeerPort(r)
	want := []struct {
		key      string
		status   netcheck.Status
		attempts int
		detail   string
	}{
		{"3/grpc", netcheck.StatusRefused, 2, "refused"},
		{"4/grpc", netcheck.StatusWrongParty, 1, "party 5"},
		{"5/grpc", netcheck.StatusWrongParty, 1, `"mainnet"`},
		{"6/grpc", netcheck.StatusTimeout, 2, "no answer"},
		{"7/grpc", netcheck.StatusWrongParty, 1, `"peer" port`},
		{"8/grpc", netcheck.StatusBadAnswer, 1, "not a NETCHECK/1 line"},
		{"9/grpc", netcheck.StatusBadAnswer, 1, "closed without answering"},
		{"10/grpc", netcheck.StatusUnreachable, 2, "cannot resolve"},
	}
	for _, w := range want {
		res, ok := got[w.key]
		if !ok {
			t.Errorf("%s: no result", w.key)
			continue
		}
		if res.Status != w.status || res.Attempts != w.attempts || !strings.Contains(res.Detail, w.detail) {
			t.Errorf("%s = %s after %d attempts (%q), want %s after %d with %q", w.key, res.Status, res.Attempts, res.Detail, w.status, w.attempts, w.detail)
		}
	}
	if r.OK() {
		t.Error("report OK although every path failed")
	}
}

func TestOptionalPortFailureDoesNotFailTheReport(t *testing.T) {
	_, ports := startParty(t, "127.0.0.2", netcheck.Identity{PartyID: 2, Environment: testEnv}, "grpc")
	metrics := netcheck.Port{Name: "metrics", Port: closedPort(t, "127.0.0.2"), Optional: true}
	r := netcheck.Probe(context.Background(), netcheck.Plan{Self: self(), Peers: []netcheck.Target{target(2, "127.0.0.2", ports[0], metrics)}}, fastProbe)
	if got := byPeerPort(r)["2/metrics"]; got.Status != netcheck.StatusRefused || !got.Optional {
		t.Fatalf("metrics = %+v, want an optional refused result", got)
	}
	if !r.OK() {
		t.Error("an optional port's failure failed the report")
	}
}

func TestProbeOverMutualTLS(t *testing.T) {
	ca := newPKI(t)
	serverFiles, clientFiles := ca.leaf("mpc-node-2"), ca.leaf("mpc-node-1")
	_, ports := startServer(t, netcheck.ServerConfig{Identity: netcheck.Identity{PartyID: 2, Environment: testEnv}, Host: "127.0.0.2", TLS: serverTLS(t, serverFiles)}, "grpc")
	// Party 3 presents a certificate for mpc-node-9: a valid CA, the wrong party.
	_, impostor := startServer(t, netcheck.ServerConfig{Identity: netcheck.Identity{PartyID: 3, Environment: testEnv}, Host: "127.0.0.3", TLS: serverTLS(t, ca.leaf("mpc-node-9"))}, "grpc")
	_, plain := startParty(t, "127.0.0.4", netcheck.Identity{PartyID: 4, Environment: testEnv}, "grpc")
	plan := netcheck.Plan{Self: self(), Peers: []netcheck.Target{
		target(2, "127.0.0.2", ports...), target(3, "127.0.0.3", impostor...), target(4, "127.0.0.4", plain...),
	}}
	opts := fastProbe
	opts.TLS = clientTLS(t, clientFiles)
	got := byPeerPort(netcheck.Probe(context.Background(), plan, opts))
	if got["2/grpc"].Status != netcheck.StatusOK {
		t.Errorf("mutual TLS to party 2 = %+v, want ok", got["2/grpc"])
	}
	if got["3/grpc"].Status != netcheck.StatusTLSError || !strings.Contains(got["3/grpc"].Detail, "mpc-node-3") {
		t.Errorf("certificate of another party = %+v, want tls-error naming mpc-node-3", got["3/grpc"])
	}
	if got["4/grpc"].Status != netcheck.StatusTLSError {
		t.Errorf("TLS probe of a plain listener = %+v, want tls-error", got["4/grpc"])
	}
}

func TestPlainProbeOfTLSListenerIsTLSError(t *testing.T) {
	ca := newPKI(t)
	_, ports := startServer(t, netcheck.ServerConfig{Identity: netcheck.Identity{PartyID: 2, Environment: testEnv}, Host: "127.0.0.2", TLS: serverTLS(t, ca.leaf("mpc-node-2"))}, "grpc")
	// A TLS stack that sends an alert record on plain text (as OpenSSL does).
	alert := holdListener(t, "127.0.0.3", func(c net.Conn) { c.Write([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46}) })
	plan := netcheck.Plan{Self: self(), Peers: []netcheck.Target{target(2, "127.0.0.2", ports...), target(3, "127.0.0.3", port("grpc", alert))}}
	got := byPeerPort(netcheck.Probe(context.Background(), plan, fastProbe))
	for _, k := range []string{"2/grpc", "3/grpc"} {
		if got[k].Status != netcheck.StatusTLSError || got[k].Attempts != 1 {
			t.Errorf("%s = %+v, want tls-error in 1 attempt", k, got[k])
		}
	}
}

func TestServerRequiresClientCertificateWhenGivenCA(t *testing.T) {
	ca := newPKI(t)
	_, ports := startServer(t, netcheck.ServerConfig{Identity: netcheck.Identity{PartyID: 2, Environment: testEnv}, Host: "127.0.0.2", TLS: serverTLS(t, ca.leaf("mpc-node-2"))}, "grpc")
	noCert := clientTLS(t, netcheck.TLSFiles{CA: ca.CAFile})
	opts := fastProbe
	opts.TLS = noCert
	res := netcheck.Probe(context.Background(), netcheck.Plan{Self: self(), Peers: []netcheck.Target{target(2, "127.0.0.2", ports...)}}, opts).Results[0]
	if res.Status != netcheck.StatusTLSError || !strings.Contains(res.Detail, "certificate required") {
		t.Fatalf("a client without certificate = %+v, want tls-error: certificate required", res)
	}
}
