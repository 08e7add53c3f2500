package netcheck_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

func result(peer int, status netcheck.Status) netcheck.Result {
	return netcheck.Result{PeerID: peer, PortName: "grpc", Port: 50100, Address: "127.0.0.1", Status: status, Attempts: 1}
}

func report(party int, results ...netcheck.Result) netcheck.Report {
	return netcheck.Report{Environment: testEnv, PartyID: party, Results: results}
}

func pathState(m *netcheck.Mesh, from, to int) netcheck.PathState {
	for _, p := range m.Paths {
		if p.From == from && p.To == to {
			return p.State
		}
	}
	return ""
}

func TestMeshFlagsAsymmetricPairsOnly(t *testing.T) {
	m, err := netcheck.BuildMesh([]netcheck.Report{
		report(1, result(2, netcheck.StatusOK), result(3, netcheck.StatusOK), result(4, netcheck.StatusOK)),
		report(2, result(1, netcheck.StatusTimeout), result(3, netcheck.StatusRefused)),
		report(3, result(1, netcheck.StatusOK), result(2, netcheck.StatusRefused)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Parties; len(got) != 4 || got[0] != 1 || got[3] != 4 {
		t.Errorf("parties = %v, want 1..4 (4 seen only as a peer)", got)
	}
	// 1→2 ok and 2→1 times out: the one asymmetric pair. 2↔3 fail both ways
	// (symmetric), 1↔3 ok both ways, 1→4 ok but 4 sent no report (missing, not asymmetric).
	if len(m.Asymmetric) != 1 || m.Asymmetric[0].From != 1 || m.Asymmetric[0].To != 2 {
		t.Fatalf("asymmetric = %+v, want exactly 1→2", m.Asymmetric)
	}
	for _, c := range []struct {
		from, to int
		want     netcheck.PathState
	}{{1, 2, netcheck.PathOK}, {2, 1, netcheck.PathFailed}, {2, 3, netcheck.PathFailed}, {3, 1, netcheck.PathOK}, {4, 1, netcheck.PathMissing}, {2, 4, netcheck.PathMissing}} {
		if got := pathState(m, c.from, c.to); got != c.want {
			t.Errorf("%d→%d = %q, want %q", c.from, c.to, got, c.want)
		}
	}
	if m.OK() {
		t.Error("mesh OK despite failed paths")
	}
	var out strings.Builder
	if err := m.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "ASYMMETRIC 1 → 2 ok, 2 → 1 fails") || strings.Contains(out.String(), "ASYMMETRIC 2") {
		t.Errorf("table does not flag exactly 1→2:\n%s", out.String())
	}
}

func TestMeshOfHealthyPartiesIsOK(t *testing.T) {
	m, err := netcheck.BuildMesh([]netcheck.Report{report(1, result(2, netcheck.StatusOK)), report(2, result(1, netcheck.StatusOK))})
	if err != nil || !m.OK() || len(m.Asymmetric) != 0 {
		t.Fatalf("mesh = %+v, %v; want OK", m, err)
	}
}

func TestMeshRejectsMixedEnvironmentsAndDuplicates(t *testing.T) {
	other := report(2)
	other.Environment = "mainnet"
	if _, err := netcheck.BuildMesh([]netcheck.Report{report(1), other}); err == nil || !strings.Contains(err.Error(), "mainnet") {
		t.Errorf("mixed environments: err = %v", err)
	}
	if _, err := netcheck.BuildMesh([]netcheck.Report{report(1), report(1)}); err == nil {
		t.Error("two reports of party 1 accepted")
	}
}

// A one-sided firewall, for real: parties 2 and 3 serve on loopback; 2's
// plan points at 3 correctly, 3's plan reaches 2 only at a closed port.
func TestMeshOfRealProbesFindsOneSidedFirewall(t *testing.T) {
	startParty(t, "127.0.0.2", netcheck.Identity{PartyID: 2, Environment: testEnv}, "grpc")
	_, p3 := startParty(t, "127.0.0.3", netcheck.Identity{PartyID: 3, Environment: testEnv}, "grpc")
	from2 := netcheck.Plan{Self: netcheck.Identity{PartyID: 2, Environment: testEnv}, Peers: []netcheck.Target{target(3, "127.0.0.3", p3...)}}
	from3 := netcheck.Plan{Self: netcheck.Identity{PartyID: 3, Environment: testEnv}, Peers: []netcheck.Target{target(2, "127.0.0.2", port("grpc", closedPort(t, "127.0.0.2")))}}
	dir := t.TempDir()
	for _, plan := range []netcheck.Plan{from2, from3} {
		r := netcheck.Probe(context.Background(), plan, fastProbe)
		if err := r.WriteFile(filepath.Join(dir, fmt.Sprintf("party-%d.json", plan.Self.PartyID))); err != nil {
			t.Fatal(err)
		}
	}
	reports, err := netcheck.ReadReports(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := netcheck.BuildMesh(reports)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Asymmetric) != 1 || m.Asymmetric[0].From != 2 || m.Asymmetric[0].To != 3 {
		t.Fatalf("asymmetric = %+v, want 2→3 ok while 3→2 fails", m.Asymmetric)
	}
	if f := m.Paths[1].Failures; m.Paths[1].From != 3 || len(f) != 1 || f[0].Status != netcheck.StatusRefused {
		t.Errorf("3→2 = %+v, want one refused failure", m.Paths[1])
	}
}
