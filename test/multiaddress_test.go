package test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/diagram"
	"github.com/mpc-mesh/infra/cmd/mpc-docs/stackset"
	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/stacks"
)

// multiAddressDir holds a KubeIP environment where managed alice publishes
// two Elastic IPs and external erin declares two.
var multiAddressDir = filepath.Join("fixtures", "multi-address")

// externalAddresses are erin's addresses as the fixture declares them.
var externalAddresses = map[string][]string{"erin": {"203.0.113.60", "203.0.113.61"}}

// TestEveryPublishedAddressReachesEveryPeer synthesizes the fixture and
// checks that every address of every party reaches every peer: firewall
// ingress and egress on every port, the netcheck plan, the provider
// outputs and the diagram; the Helm peers list keeps one host per party,
// its first address. The exported peer block of a party with several
// addresses is tested in package config (TestExportPeerKubeIPSeveralAddresses).
func TestEveryPublishedAddressReachesEveryPeer(t *testing.T) {
	cfg, err := config.Load(multiAddressDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := cfg.Environments[0]
	out := filepath.Join(t.TempDir(), "cdktf.out")
	if err := stacks.Synthesize(cfg, stacks.Options{}, out); err != nil {
		t.Fatal(err)
	}
	set, err := stackset.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	// addresses names every published address of every party: a literal IP
	// for an external party, "<provider stack>/<eip logical id>" for a managed one.
	addresses := map[int][]string{}
	for i := range env.Parties {
		q := &env.Parties[i]
		if q.External != nil {
			addresses[q.ID] = externalAddresses[q.Name]
			continue
		}
		provider := env.StackName(q, config.LayerProvider)
		for name := range set.Stacks[provider].Resources["aws_eip"] {
			addresses[q.ID] = append(addresses[q.ID], provider+"/"+name)
		}
		sort.Strings(addresses[q.ID])
		if want := q.Managed.KubeIP.Addresses; len(addresses[q.ID]) != want {
			t.Fatalf("%s publishes %d Elastic IPs, want %d", q.Name, len(addresses[q.ID]), want)
		}
	}
	if len(addresses[1]) != 2 || len(addresses[4]) != 2 {
		t.Fatalf("the fixture must give alice and erin two addresses each, got %v", addresses)
	}
	// address turns an address expression of a stack into its name above.
	address := func(expr string) string {
		refs, err := set.CrossRefs(expr)
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) == 1 && refs[0].Type == "aws_eip" && refs[0].Attribute == "public_ip" {
			return refs[0].Stack + "/" + refs[0].Name
		}
		if ref, ok := stackset.LocalRef(expr); ok && ref.Type == "aws_eip" {
			return "local/" + ref.Name
		}
		return expr
	}
	portCount := len(env.PortList())

	t.Run("provider outputs", func(t *testing.T) {
		for _, p := range env.ManagedParties() {
			provider := env.StackName(p, config.LayerProvider)
			out, ok := set.Stacks[provider].Outputs[config.OutputPublicIPs]
			list, _ := out.Value.([]any)
			var got []string
			for _, v := range list {
				s, _ := v.(string)
				got = append(got, provider+"/"+strings.TrimPrefix(address(s), "local/"))
			}
			sort.Strings(got)
			if !ok || !slices.Equal(got, addresses[p.ID]) {
				t.Errorf("%s: output %s = %v, want every Elastic IP %v", provider, config.OutputPublicIPs, out.Value, addresses[p.ID])
			}
		}
	})

	t.Run("firewalls", func(t *testing.T) {
		for _, p := range env.ManagedParties() {
			consumer := set.Stacks[env.StackName(p, config.LayerConsumer)]
			for _, dir := range []string{"aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"} {
				rules := map[string]int{}
				for _, r := range consumer.Resources[dir] {
					if cidr, ok := strings.CutSuffix(r.String("cidr_ipv4"), "/32"); ok {
						rules[address(cidr)]++
					}
				}
				for _, q := range env.Peers(p) {
					for _, a := range addresses[q.ID] {
						if rules[a] != portCount {
							t.Errorf("%s: %d %s rules for %s address %s, want one per port (%d)", consumer.Name, rules[a], dir, q.Name, a, portCount)
						}
					}
				}
			}
		}
	})

	t.Run("netcheck plan", func(t *testing.T) {
		for _, p := range env.ManagedParties() {
			consumer := set.Stacks[env.StackName(p, config.LayerConsumer)]
			raw, _ := consumer.Outputs[stacks.OutputNetcheckPlan].Value.(string)
			var plan struct {
				Peers []struct {
					PartyID int    `json:"party_id"`
					Address string `json:"address"`
				} `json:"peers"`
			}
			if err := json.Unmarshal([]byte(raw), &plan); err != nil {
				t.Fatalf("%s: netcheck plan: %v", consumer.Name, err)
			}
			got := map[int][]string{}
			for _, target := range plan.Peers {
				got[target.PartyID] = append(got[target.PartyID], address(target.Address))
			}
			for _, q := range env.Peers(p) {
				sort.Strings(got[q.ID])
				if !slices.Equal(got[q.ID], addresses[q.ID]) {
					t.Errorf("%s: netcheck plan reaches %s at %v, want %v", consumer.Name, q.Name, got[q.ID], addresses[q.ID])
				}
			}
		}
	})

	t.Run("helm peers list", func(t *testing.T) {
		var partyIDs []int
		for _, q := range env.Parties {
			partyIDs = append(partyIDs, q.ID)
		}
		sort.Ints(partyIDs)
		for _, p := range env.ManagedParties() {
			cluster := set.Stacks[env.StackName(p, config.LayerCluster)]
			for _, release := range cluster.Resources["helm_release"] {
				values := release.Strings("values")
				var v struct {
					KmsCore struct {
						ThresholdMode struct {
							PeersList []struct {
								ID   int    `yaml:"id"`
								Host string `yaml:"host"`
							} `yaml:"peersList"`
						} `yaml:"thresholdMode"`
					} `yaml:"kmsCore"`
				}
				if len(values) == 0 || yaml.Unmarshal([]byte(values[0]), &v) != nil {
					t.Fatalf("%s: cannot read the release values %v", cluster.Name, values)
				}
				var ids []int
				for _, peer := range v.KmsCore.ThresholdMode.PeersList {
					ids = append(ids, peer.ID)
					if got, want := address(peer.Host), addresses[peer.ID][0]; got != want {
						t.Errorf("%s: Helm peer %d host is %s, want the first address %s", cluster.Name, peer.ID, got, want)
					}
				}
				if !slices.Equal(ids, partyIDs) {
					t.Errorf("%s: Helm peers list ids %v, want one host per party", cluster.Name, ids)
				}
			}
		}
	})

	t.Run("diagram", func(t *testing.T) {
		d, err := diagram.Build(env, set)
		if err != nil {
			t.Fatal(err)
		}
		for _, party := range d.Parties {
			if party.Name == "erin" && !strings.Contains(party.Published, "203.0.113.60, 203.0.113.61") {
				t.Errorf("diagram: erin publishes %q, want both addresses", party.Published)
			}
			if party.Name == "alice" && !strings.Contains(party.Published, "2 Elastic IPs") {
				t.Errorf("diagram: alice publishes %q, want 2 Elastic IPs", party.Published)
			}
		}
		managed := map[int]bool{}
		for _, p := range env.ManagedParties() {
			managed[p.ID] = true
		}
		for _, c := range d.Connections {
			// Ingress rules of To admit every address of From; egress rules
			// of From reach every address of To.
			want := 0
			if managed[c.To] {
				want += portCount * len(addresses[c.From])
			}
			if managed[c.From] {
				want += portCount * len(addresses[c.To])
			}
			if len(c.Evidence) != want {
				t.Errorf("diagram: %d → %d backed by %d rules, want %d: %v", c.From, c.To, len(c.Evidence), want, c.Evidence)
			}
		}
	})

}
