package test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/config"
)

// remoteRef is how a value from another stack appears: a read of that
// stack's remote state.
func remoteRef(stack string) string { return "cross-stack-reference-input-" + stack + "." }

func env(t *testing.T, name string) *config.Environment {
	t.Helper()
	e := app.cfg.Environment(name)
	if e == nil {
		t.Fatalf("example environment %s missing", name)
	}
	return e
}

func TestEveryManagedPartyHasItsFourStacks(t *testing.T) {
	for _, e := range app.cfg.Environments {
		for _, p := range e.ManagedParties() {
			for _, l := range config.Layers {
				if _, ok := app.docs[e.StackName(p, l)]; !ok {
					t.Errorf("%s: missing stack %s", e.Name, e.StackName(p, l))
				}
			}
		}
	}
	managed := 0
	for _, e := range app.cfg.Environments {
		managed += len(e.ManagedParties())
	}
	if want := len(config.Layers) * managed; len(app.docs) != want {
		t.Errorf("got %d stacks, want %d (%d layers for each of the %d managed parties)", len(app.docs), want, len(config.Layers), managed)
	}
}

func TestStacksFormNoCycle(t *testing.T) {
	order, err := app.manifest.Order("")
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	for name, s := range app.manifest.Stacks {
		for _, d := range s.Dependencies {
			if pos[d] >= pos[name] {
				t.Errorf("%s is ordered before its dependency %s", name, d)
			}
		}
		if strings.HasSuffix(name, "-provider") && len(s.Dependencies) > 0 {
			t.Errorf("provider stack %s depends on %v; provider stacks must depend on nothing", name, s.Dependencies)
		}
	}
}

func TestEveryStackHasAnExplicitBackendAndProviderRanges(t *testing.T) {
	// Which environment a stack belongs to decides the backend it must have.
	s3Of := map[string]*config.S3Backend{}
	for _, e := range app.cfg.Environments {
		for _, p := range e.ManagedParties() {
			for _, l := range config.Layers {
				s3Of[e.StackName(p, l)] = e.Backend.S3
			}
		}
	}
	for _, name := range stackNames() {
		tf, _ := app.docs[name]["terraform"].(map[string]any)
		backend, _ := tf["backend"].(map[string]any)
		if s3 := s3Of[name]; s3 != nil {
			b, _ := backend["s3"].(map[string]any)
			key, _ := b["key"].(string)
			if b["bucket"] != s3.Bucket || b["encrypt"] != true || !strings.HasPrefix(key, s3.KeyPrefix+"/") ||
				(s3.Locking == "lockfile" && b["use_lockfile"] != true) {
				t.Errorf("%s: backend %v, want S3 bucket %s, encrypted, key under %s/, locked as %s", name, backend, s3.Bucket, s3.KeyPrefix, s3.Locking)
			}
		} else {
			local, _ := backend["local"].(map[string]any)
			if p, _ := local["path"].(string); !strings.HasPrefix(p, "../../../terraform-state/") {
				t.Errorf("%s: backend %v, want a local path under terraform-state/ relative to the project", name, backend)
			}
		}
		if tf["required_version"] != ">= 1.10.0" {
			t.Errorf("%s: required_version = %v", name, tf["required_version"])
		}
		req, _ := tf["required_providers"].(map[string]any)
		for prov, v := range req {
			version, _ := v.(map[string]any)["version"].(string)
			if !strings.HasPrefix(version, ">= ") || !strings.Contains(version, "< ") {
				t.Errorf("%s: provider %s pinned to %q, want a range", name, prov, version)
			}
		}
	}
}

// TestKubeIPFirewallsAdmitExactlyThePeers checks every KubeIP example: each
// firewall admits every other party's /32s on each MPC port of the
// environment (managed peers through their provider stacks, external ones
// from config), the configured extra CIDRs, and nothing from 0.0.0.0/0.
func TestKubeIPFirewallsAdmitExactlyThePeers(t *testing.T) {
	for _, e := range environments(t, config.KubeIP) {
		kubeIPFirewallsAdmitExactlyThePeers(t, e)
	}
}

func kubeIPFirewallsAdmitExactlyThePeers(t *testing.T, e *config.Environment) {
	var portsWanted []float64
	for _, port := range e.PortList() {
		portsWanted = append(portsWanted, float64(port.Number))
	}
	for _, p := range e.ManagedParties() {
		stack := e.StackName(p, config.LayerConsumer)
		rules := resources(stack, "aws_vpc_security_group_ingress_rule")
		got := map[string][]float64{}
		for _, r := range rules {
			cidr, _ := r["cidr_ipv4"].(string)
			if cidr == "0.0.0.0/0" || r["cidr_ipv6"] == "::/0" {
				t.Errorf("%s admits the whole internet: %v", stack, r)
			}
			port, _ := r["from_port"].(float64)
			if r["to_port"] != r["from_port"] {
				t.Errorf("%s: rule spans ports %v-%v", stack, r["from_port"], r["to_port"])
			}
			var source string
			for _, q := range e.Peers(p) {
				if q.External != nil && slices.Contains(q.External.Addresses(), strings.TrimSuffix(cidr, "/32")) {
					source = q.Name
				}
				if q.Managed != nil && strings.Contains(cidr, remoteRef(e.StackName(q, config.LayerProvider))) && strings.HasSuffix(cidr, "}/32") {
					source = q.Name
				}
			}
			if source == "" && !slices.Contains(p.Managed.Firewall.ExtraCIDRs, cidr) {
				t.Errorf("%s admits %q, which is no peer's address", stack, cidr)
				continue
			}
			got[source] = append(got[source], port)
		}
		for _, q := range e.Peers(p) {
			ports := got[q.Name]
			sort.Float64s(ports)
			want := append([]float64(nil), portsWanted...)
			sort.Float64s(want)
			if !slices.Equal(ports, want) {
				t.Errorf("%s admits %s on %v, want %v", stack, q.Name, ports, want)
			}
		}
		if n := len(e.Peers(p)) * len(portsWanted); len(got) != len(e.Peers(p))+boolInt(len(p.Managed.Firewall.ExtraCIDRs) > 0) {
			t.Errorf("%s: sources %v, want the %d peers (%d rules)", stack, keys(got), len(e.Peers(p)), n)
		}
	}
}

// TestPrivateLinkConsumersReachEveryPeerThroughItsProvider checks every
// PrivateLink example: one endpoint per other party, each fed by that
// peer's provider stack (a managed peer) or naming the configured endpoint
// service (an external peer); service_region set only across regions.
func TestPrivateLinkConsumersReachEveryPeerThroughItsProvider(t *testing.T) {
	for _, e := range environments(t, config.PrivateLink) {
		privateLinkConsumersReachEveryPeer(t, e)
	}
}

func privateLinkConsumersReachEveryPeer(t *testing.T, e *config.Environment) {
	for _, p := range e.ManagedParties() {
		stack := e.StackName(p, config.LayerConsumer)
		endpoints := resources(stack, "aws_vpc_endpoint")
		if len(endpoints) != len(e.Peers(p)) {
			t.Errorf("%s has %d endpoints, want %d", stack, len(endpoints), len(e.Peers(p)))
		}
		for _, q := range e.Peers(p) {
			var found map[string]any
			for _, ep := range endpoints {
				name := fmt.Sprint(ep["service_name"])
				if q.Managed != nil && strings.Contains(name, remoteRef(e.StackName(q, config.LayerProvider))) ||
					q.External != nil && name == q.External.EndpointServiceName {
					found = ep
				}
			}
			if found == nil {
				t.Errorf("%s has no endpoint to %s (fed by its provider stack when managed, the configured service name when external)", stack, q.Name)
				continue
			}
			if found["vpc_endpoint_type"] != "Interface" {
				t.Errorf("%s: endpoint to %s is %v", stack, q.Name, found["vpc_endpoint_type"])
			}
			region, set := found["service_region"]
			if q.Region != p.Region && region != q.Region {
				t.Errorf("%s: endpoint to %s (%s) has service_region %v", stack, q.Name, q.Region, region)
			}
			if q.Region == p.Region && set {
				t.Errorf("%s: same-region endpoint to %s sets service_region %v", stack, q.Name, region)
			}
		}
	}
}

// TestEndpointServicesAdmitExactlyTheRestOfTheMesh checks allowed principals
// and supported regions of every provider against the configuration.
func TestEndpointServicesAdmitExactlyTheRestOfTheMesh(t *testing.T) {
	for _, e := range environments(t, config.PrivateLink) {
		for _, p := range e.ManagedParties() {
			stack := e.StackName(p, config.LayerProvider)
			var principals, regions []string
			for _, q := range e.Peers(p) {
				if arn := "arn:aws:iam::" + q.AccountID + ":root"; !slices.Contains(principals, arn) {
					principals = append(principals, arn)
				}
				if q.Region != p.Region && !slices.Contains(regions, q.Region) {
					regions = append(regions, q.Region)
				}
			}
			sort.Strings(principals)
			sort.Strings(regions)
			svcs := resources(stack, "aws_vpc_endpoint_service")
			if len(svcs) != 1 {
				t.Fatalf("%s: %d endpoint services", stack, len(svcs))
			}
			for _, svc := range svcs {
				if got := strs(svc["allowed_principals"]); !slices.Equal(got, principals) {
					t.Errorf("%s: allowed_principals %v, want %v", stack, got, principals)
				}
				if got := strs(svc["supported_regions"]); !slices.Equal(got, regions) {
					t.Errorf("%s: supported_regions %v, want %v", stack, got, regions)
				}
				if svc["acceptance_required"] != false {
					t.Errorf("%s: acceptance_required = %v, want false by default", stack, svc["acceptance_required"])
				}
			}
		}
	}
}

// TestExternalPeersAreConnectedBothWays checks the examples shared by two
// organisations (zws-dev and kms-dev-v1): when a party that one example
// declares external is managed by another example, that other example
// declares this example's managed parties as its external peers, with the
// same name, id, account and region, so each reaches the other. Each consumer's
// endpoint to the external peer is checked by
// TestPrivateLinkConsumersReachEveryPeerThroughItsProvider.
func TestExternalPeersAreConnectedBothWays(t *testing.T) {
	pairs := 0
	for _, e := range app.cfg.Environments {
		for _, x := range e.Parties {
			if x.External == nil {
				continue
			}
			for _, f := range app.cfg.Environments {
				i := slices.IndexFunc(f.Parties, func(q config.Party) bool {
					return q.Managed != nil && q.Name == x.Name && q.ID == x.ID && q.AccountID == x.AccountID && q.Region == x.Region
				})
				if f == e || i < 0 {
					continue
				}
				pairs++
				for _, p := range e.ManagedParties() {
					if !slices.ContainsFunc(f.Parties, func(q config.Party) bool {
						return q.External != nil && q.Name == p.Name && q.ID == p.ID && q.AccountID == p.AccountID && q.Region == p.Region
					}) {
						t.Errorf("%s manages %s, which %s declares external, but does not declare %s's %s external", f.Name, x.Name, e.Name, e.Name, p.Name)
					}
				}
			}
		}
	}
	if pairs == 0 {
		t.Fatal("no example manages a party another example declares external; the two-organisation examples are gone")
	}
}

// environments returns the example environments of one strategy, failing
// when there is none (the test would check nothing).
func environments(t *testing.T, s config.Strategy) []*config.Environment {
	t.Helper()
	var res []*config.Environment
	for _, e := range app.cfg.Environments {
		if e.Strategy == s {
			res = append(res, e)
		}
	}
	if len(res) == 0 {
		t.Fatalf("no example environment uses %s", s)
	}
	return res
}

func strs(v any) []string {
	list, _ := v.([]any)
	var res []string
	for _, x := range list {
		res = append(res, fmt.Sprint(x))
	}
	sort.Strings(res)
	return res
}

func keys[V any](m map[string]V) []string {
	var res []string
	for k := range m {
		res = append(res, k)
	}
	sort.Strings(res)
	return res
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
