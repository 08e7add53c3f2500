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
	if want := 4 * (4 + 4 + 1 + 1); len(app.docs) != want {
		t.Errorf("got %d stacks, want %d (4 layers for each of the 10 managed parties)", len(app.docs), want)
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
	for _, name := range stackNames() {
		tf, _ := app.docs[name]["terraform"].(map[string]any)
		backend, _ := tf["backend"].(map[string]any)
		local, _ := backend["local"].(map[string]any)
		if p, _ := local["path"].(string); !strings.HasPrefix(p, "../../../terraform-state/") {
			t.Errorf("%s: backend %v, want a local path under terraform-state/ relative to the project", name, backend)
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

// TestKubeIPFirewallsAdmitExactlyThePeers checks the KubeIP mesh: each
// firewall admits the other four parties' /32s on each published MPC port
// (peer and metrics; gRPC is not published by default) (managed
// peers through their provider stacks, the external one from config) and
// nothing from 0.0.0.0/0.
func TestKubeIPFirewallsAdmitExactlyThePeers(t *testing.T) {
	e := env(t, "kubeip-demo")
	var portsWanted []float64
	for _, p := range e.PortList() {
		portsWanted = append(portsWanted, float64(p.Number))
	}
	if slices.Contains(portsWanted, 50100) {
		t.Fatalf("kubeip-demo publishes the gRPC port: %v", e.PortList())
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
		if n := len(e.Peers(p)) * 3; len(got) != len(e.Peers(p))+boolInt(len(p.Managed.Firewall.ExtraCIDRs) > 0) {
			t.Errorf("%s: sources %v, want the %d peers (%d rules)", stack, keys(got), len(e.Peers(p)), n)
		}
	}
}

// TestPrivateLinkConsumersReachEveryPeerThroughItsProvider checks the
// PrivateLink mesh of local: one endpoint per other party, each fed by that
// peer's provider stack; service_region set only across regions.
func TestPrivateLinkConsumersReachEveryPeerThroughItsProvider(t *testing.T) {
	e := env(t, "local")
	for _, p := range e.ManagedParties() {
		stack := e.StackName(p, config.LayerConsumer)
		endpoints := resources(stack, "aws_vpc_endpoint")
		if len(endpoints) != len(e.Peers(p)) {
			t.Errorf("%s has %d endpoints, want %d", stack, len(endpoints), len(e.Peers(p)))
		}
		for _, q := range e.Peers(p) {
			var found map[string]any
			for _, ep := range endpoints {
				if strings.Contains(fmt.Sprint(ep["service_name"]), remoteRef(e.StackName(q, config.LayerProvider))) {
					found = ep
				}
			}
			if found == nil {
				t.Errorf("%s has no endpoint fed by %s", stack, e.StackName(q, config.LayerProvider))
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
	for _, name := range []string{"local", "zws-dev", "kms-dev-v1"} {
		e := env(t, name)
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

// TestTerragruntExampleConnectionBothWays checks the two-organisation pair:
// party 2 (zws-dev, eu-west-1) reaches party 4 (kms-dev-v1, eu-west-3) across
// regions from static values, and party 4 reaches party 2 the same way, so
// the connection works in both directions.
func TestTerragruntExampleConnectionBothWays(t *testing.T) {
	for _, c := range []struct{ stack, service, region string }{
		{"zws-dev-zws-threshold-2-consumer", "com.amazonaws.vpce.eu-west-3.vpce-svc-0c21caecf930e4d3a", "eu-west-3"},
		{"kms-dev-v1-kms-threshold-4-consumer", "com.amazonaws.vpce.eu-west-1.vpce-svc-0a1b2c3d4e5f60718", "eu-west-1"},
	} {
		eps := resources(c.stack, "aws_vpc_endpoint")
		if len(eps) != 1 {
			t.Fatalf("%s: %d endpoints, want 1", c.stack, len(eps))
		}
		for _, ep := range eps {
			if ep["service_name"] != c.service || ep["service_region"] != c.region {
				t.Errorf("%s: endpoint to %v in %v, want %s in %s", c.stack, ep["service_name"], ep["service_region"], c.service, c.region)
			}
		}
	}
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
