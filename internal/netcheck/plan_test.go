package netcheck_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/internal/netcheck"
)

func TestNewPlanAddressesByStrategy(t *testing.T) {
	me := netcheck.Identity{PartyID: 1, Environment: testEnv}
	peers := []netcheck.Peer{{PartyID: 2, Name: "bob", PublicIPs: []string{"203.0.113.7"}}, {PartyID: 3, Name: "carol", PublicIPs: []string{"203.0.113.8"}}}
	kube := netcheck.NewPlan(me, netcheck.KubeIP, nil, peers)
	link := netcheck.NewPlan(me, netcheck.PrivateLink, nil, peers)
	if kube.Peers[0].Address != "203.0.113.7" || kube.Peers[1].Address != "203.0.113.8" {
		t.Errorf("KubeIP addresses = %q, %q; want the public IPs", kube.Peers[0].Address, kube.Peers[1].Address)
	}
	if link.Peers[0].Address != "mpc-node-2" || link.Peers[1].Address != "mpc-node-3" {
		t.Errorf("PrivateLink addresses = %q, %q; want mpc-node-<id>", link.Peers[0].Address, link.Peers[1].Address)
	}
	ports := kube.Peers[1].Ports
	if len(ports) != 2 || ports[0] != (netcheck.Port{Name: "peer", Port: 50001}) || ports[1] != (netcheck.Port{Name: "metrics", Port: 9646}) {
		t.Errorf("default ports = %+v, want peer 50001, metrics 9646 (gRPC unpublished)", ports)
	}
	if err := link.Validate(); err != nil {
		t.Errorf("plan from valid values: %v", err)
	}
}

// TestNewPlanProbesEveryAddress: a KubeIP peer publishing several Elastic
// IPs gets one target per address, and the plan is valid; the same address
// twice is not.
func TestNewPlanProbesEveryAddress(t *testing.T) {
	me := netcheck.Identity{PartyID: 1, Environment: testEnv}
	peers := []netcheck.Peer{{PartyID: 2, Name: "bob", PublicIPs: []string{"203.0.113.7", "203.0.113.9"}}, {PartyID: 3, Name: "carol", PublicIPs: []string{"203.0.113.8"}}}
	plan := netcheck.NewPlan(me, netcheck.KubeIP, nil, peers)
	var got []string
	for _, target := range plan.Peers {
		got = append(got, fmt.Sprintf("%d@%s", target.PartyID, target.Address))
	}
	if want := []string{"2@203.0.113.7", "2@203.0.113.9", "3@203.0.113.8"}; !slices.Equal(got, want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	if err := plan.Validate(); err != nil {
		t.Errorf("plan with two addresses for one peer: %v", err)
	}
	if link := netcheck.NewPlan(me, netcheck.PrivateLink, nil, peers); len(link.Peers) != 2 {
		t.Errorf("PrivateLink plan has %d targets, want one per peer", len(link.Peers))
	}
	plan.Peers[1].Address = plan.Peers[0].Address
	if err := plan.Validate(); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("the same address twice: got %v, want an error", err)
	}
}

func TestDefaultsMatchTheMeshVocabulary(t *testing.T) {
	for _, id := range []int{0, 7, 123} {
		if got, want := netcheck.PrivateLinkAddress(id), mesh.ServiceName(id); got != want {
			t.Errorf("PrivateLinkAddress(%d) = %q, mesh.ServiceName = %q", id, got, want)
		}
	}
	def := netcheck.DefaultPorts()
	if len(def) != len(mesh.PublishedPorts) {
		t.Fatalf("%d default ports, mesh has %d", len(def), len(mesh.PublishedPorts))
	}
	for i, p := range mesh.PublishedPorts {
		if def[i].Name != p.Name || def[i].Port != p.Number {
			t.Errorf("default port %d = %+v, mesh has %+v", i, def[i], p)
		}
	}
}

func TestReadPlanRejectsBadPlans(t *testing.T) {
	good := `{"self":{"party_id":1,"environment":"testnet"},"peers":[{"party_id":2,"address":"203.0.113.7","ports":[{"name":"grpc","port":50100}]}]}`
	for name, c := range map[string]struct{ json, want string }{
		"unknown field": {strings.Replace(good, `"address"`, `"adress":"x","address"`, 1), "unknown field"},
		"self as peer":  {strings.Replace(good, `"party_id":2`, `"party_id":1`, 1), "is self"},
		"no address":    {strings.Replace(good, `"203.0.113.7"`, `""`, 1), "address"},
		"port zero":     {strings.Replace(good, "50100", "0", 1), "outside 1..65535"},
		"bad env":       {strings.Replace(good, "testnet", "test net", 1), "environment"},
		"no peers":      {`{"self":{"party_id":1,"environment":"testnet"},"peers":[]}`, "none to probe"},
	} {
		path := filepath.Join(t.TempDir(), "plan.json")
		os.WriteFile(path, []byte(c.json), 0o600)
		if _, err := netcheck.ReadPlan(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, c.want)
		}
	}
}

func TestParsePortsMarksOptional(t *testing.T) {
	got, err := netcheck.ParsePorts("grpc=50100,metrics=9646?")
	if err != nil || len(got) != 2 || got[1] != (netcheck.Port{Name: "metrics", Port: 9646, Optional: true}) || got[0].Optional {
		t.Fatalf("ParsePorts = %+v, %v", got, err)
	}
	if _, err := netcheck.ParsePorts("grpc=50100,grpc=50001"); err == nil {
		t.Error("duplicate port name accepted")
	}
}
