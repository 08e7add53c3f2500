package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writePlan(t *testing.T, plan netcheck.Plan) string {
	t.Helper()
	data, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProbeExitCodes(t *testing.T) {
	srv, err := netcheck.Listen(netcheck.ServerConfig{Identity: netcheck.Identity{PartyID: 2, Environment: "testnet"}, Host: "127.0.0.2", Ports: []netcheck.Port{{Name: "grpc"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	live := srv.Addr("grpc").(*net.TCPAddr).Port
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	plan := func(p int) string {
		return writePlan(t, netcheck.Plan{Self: netcheck.Identity{PartyID: 1, Environment: "testnet"},
			Peers: []netcheck.Target{{PartyID: 2, Address: "127.0.0.2", Ports: []netcheck.Port{{Name: "grpc", Port: p}}}}})
	}
	fast := []string{"--timeout", "300ms", "--attempts", "1"}

	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, _ := runArgs(t, append([]string{"probe", "--targets", plan(live), "--json", "--out", out}, fast...)...)
	var rep netcheck.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 || rep.Results[0].Status != netcheck.StatusOK {
		t.Fatalf("probe of a live peer: exit %d, report %s (%v)", code, stdout, err)
	}
	if _, err := netcheck.ReadReport(out); err != nil {
		t.Errorf("--out report unreadable: %v", err)
	}
	code, stdout, _ = runArgs(t, append([]string{"probe", "--targets", plan(closed)}, fast...)...)
	if code != 1 || !strings.Contains(stdout, "refused") {
		t.Errorf("probe of a closed port: exit %d, want 1; table:\n%s", code, stdout)
	}
	if code, _, _ := runArgs(t, "probe"); code != 2 {
		t.Errorf("probe without --targets: exit %d, want 2", code)
	}
	if code, _, _ := runArgs(t, "bogus"); code != 2 {
		t.Errorf("unknown subcommand: exit %d, want 2", code)
	}
}

func TestMeshExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(party int, status netcheck.Status) {
		r := netcheck.Report{Environment: "testnet", PartyID: party, Results: []netcheck.Result{{PeerID: 3 - party, PortName: "grpc", Port: 50100, Address: "x", Status: status, Attempts: 1}}}
		if err := r.WriteFile(filepath.Join(dir, "p"+strconv.Itoa(party)+".json")); err != nil {
			t.Fatal(err)
		}
	}
	write(1, netcheck.StatusOK)
	write(2, netcheck.StatusOK)
	if code, stdout, _ := runArgs(t, "mesh", "--dir", dir); code != 0 {
		t.Errorf("healthy mesh: exit %d\n%s", code, stdout)
	}
	write(2, netcheck.StatusTimeout)
	if code, stdout, _ := runArgs(t, "mesh", "--dir", dir); code != 1 || !strings.Contains(stdout, "ASYMMETRIC") {
		t.Errorf("asymmetric mesh: exit %d, want 1\n%s", code, stdout)
	}
	if code, _, _ := runArgs(t, "mesh", "--dir", t.TempDir()); code != 2 {
		t.Errorf("empty folder: exit %d, want 2", code)
	}
}
