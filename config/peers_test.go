package config_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/config"
)

// examplesDir is the folder of the example environments, seen from this package.
var examplesDir = filepath.Join("..", config.DefaultDir)

// loadExample loads one example environment.
func loadExample(t *testing.T, name string) *config.Environment {
	t.Helper()
	cfg, err := config.Load(examplesDir, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Environments[0]
}

// outputsJSON is what `terraform output -json` prints for the given values.
func outputsJSON(t *testing.T, values map[string]any) *strings.Reader {
	t.Helper()
	out := map[string]map[string]any{}
	for k, v := range values {
		out[k] = map[string]any{"sensitive": false, "value": v}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReader(string(b))
}

// pasteAsExternal does what the README tells the other organisation to do:
// replace the party's entry in the example environment file named file by
// the exported block, pasted as one entry of the parties list (JSON is
// YAML), then load that file. It returns the party as loaded.
func pasteAsExternal(t *testing.T, file string, peer config.ExportedPeer, block string) *config.Party {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(examplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	// The entry runs from its "  - id: N" line to the next entry or the end.
	start := strings.Index(text, fmt.Sprintf("\n  - id: %d\n", peer.ID)) + 1
	if start == 0 {
		t.Fatalf("%s has no entry with id %d", file, peer.ID)
	}
	end := len(text)
	if next := strings.Index(text[start:], "\n  - "); next >= 0 {
		end = start + next + 1
	}
	entry := "  - " + strings.ReplaceAll(block, "\n", "\n    ") + "\n"
	text = text[:start] + entry + text[end:]
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(dir, nil)
	if err != nil {
		t.Fatalf("the exported block does not load back:\n%v\nfile:\n%s", err, text)
	}
	for i := range cfg.Environments[0].Parties {
		if p := &cfg.Environments[0].Parties[i]; p.ID == peer.ID {
			return p
		}
	}
	t.Fatalf("party %d is gone after pasting", peer.ID)
	return nil
}

// exportAndReload exports a managed party of an example environment from
// the given provider stack outputs, checks the block is exactly an
// ExportedPeer (no unknown key), and pastes it into the example file
// target in place of the party's entry there. It returns the decoded block
// and the party as loaded back.
func exportAndReload(t *testing.T, env, party string, outputs map[string]any, target string) (config.ExportedPeer, *config.Party) {
	t.Helper()
	e := loadExample(t, env)
	// Every provider stack publishes its public vault; the bucket name is
	// the one the configuration derives.
	for _, p := range e.ManagedParties() {
		if p.Name == party {
			outputs[config.OutputPublicVaultBucket] = e.Names(p).PublicBucket
			outputs[config.OutputPublicVaultRegion] = p.Region
		}
	}
	block, err := config.ExportPeer(e, party, outputsJSON(t, outputs))
	if err != nil {
		t.Fatal(err)
	}
	var peer config.ExportedPeer
	dec := json.NewDecoder(strings.NewReader(block))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&peer); err != nil {
		t.Fatalf("exported block %s: %v", block, err)
	}
	got := pasteAsExternal(t, target, peer, block)
	if got.Managed != nil || got.External == nil {
		t.Fatalf("%s loads back as %+v, want an external party", party, got)
	}
	if got.Name != peer.Name || got.AccountID != peer.AccountID || got.Region != peer.Region {
		t.Errorf("loaded back as %s/%s/%s, want %s/%s/%s", got.Name, got.AccountID, got.Region, peer.Name, peer.AccountID, peer.Region)
	}
	if !reflect.DeepEqual(*got.External, peer.External) {
		t.Errorf("external block loads back as %+v, want %+v", *got.External, peer.External)
	}
	return peer, got
}

// TestExportPeerKubeIPOneAddress: a KubeIP party with one Elastic IP is
// exported as public_ip, the form every version of the app reads, and the
// block loads back as an external party with that address.
func TestExportPeerKubeIPOneAddress(t *testing.T) {
	peer, got := exportAndReload(t, "kubeip-demo", "bob",
		map[string]any{config.OutputPublicIPs: []string{"198.51.100.9"}}, "kubeip-demo.yaml")
	if peer.External.PublicIP != "198.51.100.9" || peer.External.PublicIPs != nil {
		t.Errorf("exported %+v, want public_ip only", peer.External)
	}
	if peer.ID != 2 || peer.AccountID != "444455556666" || peer.Region != "eu-west-1" {
		t.Errorf("exported identity %d/%s/%s, want bob's from kubeip-demo.yaml", peer.ID, peer.AccountID, peer.Region)
	}
	if a := got.External.Addresses(); len(a) != 1 || a[0] != "198.51.100.9" {
		t.Errorf("loaded back with addresses %v", a)
	}
	// The block carries bob's public vault, so alice's trust sync, which
	// reads it, keeps working once bob is external.
	if v := peer.External.PublicVault; v == nil || v.Bucket != "mpc-kubeip-demo-bob-444455556666-public" || v.Region != "eu-west-1" {
		t.Errorf("exported public vault %+v, want bob's derived bucket in eu-west-1", v)
	}
}

// TestExportPeerKubeIPSeveralAddresses: several Elastic IPs are exported as
// public_ips, in output order, and load back as every address of the party.
func TestExportPeerKubeIPSeveralAddresses(t *testing.T) {
	ips := []string{"198.51.100.7", "198.51.100.8", "198.51.100.10"}
	peer, got := exportAndReload(t, "kubeip-demo", "alice",
		map[string]any{config.OutputPublicIPs: ips}, "kubeip-demo.yaml")
	if peer.External.PublicIP != "" || !reflect.DeepEqual(peer.External.PublicIPs, ips) {
		t.Errorf("exported %+v, want public_ips %v only", peer.External, ips)
	}
	if a := got.External.Addresses(); !reflect.DeepEqual(a, ips) {
		t.Errorf("loaded back with addresses %v, want %v", a, ips)
	}
}

// TestExportPeerPrivateLink: a PrivateLink party is exported with its
// endpoint service name and the AZ ids of its NLB. The block of kms-dev-v1's
// party 4 replaces the hand-written entry in zws-dev, the other half of
// that mesh, and loads there as that entry did.
func TestExportPeerPrivateLink(t *testing.T) {
	service := "com.amazonaws.vpce.eu-west-3.vpce-svc-0c21caecf930e4d3a"
	azs := []string{"euw3-az1", "euw3-az2", "euw3-az3"}
	peer, _ := exportAndReload(t, "kms-dev-v1", "kms-threshold-4", map[string]any{
		config.OutputEndpointServiceName: service,
		config.OutputAvailabilityZoneIDs: azs,
		"netcheck_plan":                  "other outputs are ignored",
	}, "zws-dev.yaml")
	if peer.External.EndpointServiceName != service || !reflect.DeepEqual(peer.External.AvailabilityZoneIDs, azs) {
		t.Errorf("exported %+v, want %s in %v", peer.External, service, azs)
	}
	var handWritten *config.Party
	zws := loadExample(t, "zws-dev")
	for i := range zws.Parties {
		if zws.Parties[i].ID == peer.ID {
			handWritten = &zws.Parties[i]
		}
	}
	if handWritten == nil || !reflect.DeepEqual(*handWritten.External, peer.External) || handWritten.Name != peer.Name {
		t.Errorf("exported %+v, zws-dev.yaml declares %+v", peer, handWritten)
	}
}

// TestExportPeerRefuses: the command names what is wrong and the fix.
func TestExportPeerRefuses(t *testing.T) {
	kubeip := loadExample(t, "kubeip-demo")
	for _, tc := range []struct {
		env     *config.Environment
		party   string
		outputs string
		want    string
	}{
		{kubeip, "erin", `{}`, `no managed party named "erin"; managed parties: alice, bob, carol, dave`},
		{kubeip, "nobody", `{}`, `no managed party named "nobody"`},
		{kubeip, "alice", `{}`, `output "public_ips" is missing: apply kubeip-demo-alice-provider first`},
		{kubeip, "alice", `not json`, "pipe `terraform output -json` of kubeip-demo-alice-provider"},
		{loadExample(t, "kms-dev-v1"), "kms-threshold-4", `{"endpoint_service_name": {"value": "x"}}`, `output "availability_zone_ids" is missing`},
		{kubeip, "alice", `{"public_ips": {"value": ["198.51.100.7"]}}`, `output "public_vault_bucket" is missing: apply kubeip-demo-alice-provider first`},
	} {
		_, err := config.ExportPeer(tc.env, tc.party, strings.NewReader(tc.outputs))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ExportPeer(%s, %s, %s) error = %v, want it to contain %q", tc.env.Name, tc.party, tc.outputs, err, tc.want)
		}
	}
}
