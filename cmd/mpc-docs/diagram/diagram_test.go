package diagram_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/diagram"
	"github.com/mpc-mesh/infra/cmd/mpc-docs/stackset"
	"github.com/mpc-mesh/infra/config"
)

// root is the project root, three levels above this package.
var root = filepath.Join("..", "..", "..")

// requiredDiagrams are the environments whose diagrams must be committed.
var requiredDiagrams = []string{"local", "kubeip-demo"}

var (
	configDir   = filepath.Join(root, config.DefaultDir)
	snapshotDir = filepath.Join(root, "test", "snapshots")
	diagramDir  = filepath.Join(root, diagram.DefaultDir)
)

// committedDiagrams returns the environments with a committed diagram,
// failing when a required one is missing.
func committedDiagrams(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(diagramDir, "*.mmd"))
	var envs []string
	for _, f := range files {
		envs = append(envs, strings.TrimSuffix(filepath.Base(f), ".mmd"))
	}
	for _, env := range requiredDiagrams {
		if _, err := os.Stat(diagram.File(diagramDir, env)); err != nil {
			t.Errorf("%s is not committed: run make diagram ENV=%s", diagram.File(diagram.DefaultDir, env), env)
		}
	}
	return envs
}

// TestCommittedDiagramsAreCurrent regenerates every committed diagram from
// the configuration and the golden snapshots (byte-identical to synth
// output) and compares it with the committed file.
func TestCommittedDiagramsAreCurrent(t *testing.T) {
	for _, env := range committedDiagrams(t) {
		diagrams, err := diagram.Load(configDir, snapshotDir, []string{env})
		if err != nil {
			t.Errorf("%s: %v", env, err)
			continue
		}
		want, _ := os.ReadFile(diagram.File(diagramDir, env))
		if got := diagrams[0].Mermaid(); got != string(want) {
			t.Errorf("%s is stale: run make diagram ENV=%s and commit it", diagram.File(diagram.DefaultDir, env), env)
		}
	}
}

// edgeKey is one directed connection on one port.
type edgeKey struct {
	from, to, port int
}

var (
	reConnection = regexp.MustCompile(`^\s*party_(\d+) -->\|"(.*)"\| party_(\d+)$`)
	rePort       = regexp.MustCompile(`[a-z]+ (\d+)`)
	reProvider   = regexp.MustCompile(`cross-stack-reference-input-([a-z0-9-]+)-provider\.`)
)

// diagramEdges parses the connection edges of a committed Mermaid diagram.
func diagramEdges(t *testing.T, text string) map[edgeKey]bool {
	t.Helper()
	edges := map[edgeKey]bool{}
	for _, line := range strings.Split(text, "\n") {
		m := reConnection.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		from, _ := strconv.Atoi(m[1])
		to, _ := strconv.Atoi(m[3])
		_, ports, ok := strings.Cut(m[2], "ports: ")
		if !ok {
			t.Errorf("edge %s has no ports", line)
		}
		for _, p := range rePort.FindAllStringSubmatch(ports, -1) {
			n, _ := strconv.Atoi(p[1])
			edges[edgeKey{from, to, n}] = true
		}
	}
	return edges
}

// stackEdges reads the connections straight from the synthesized consumer
// stacks, independently of package diagram: a firewall ingress rule from a
// party's address, a firewall egress rule to a party's address, or an
// interface endpoint tagged with the peer it leads to (whose service name
// must come from that peer), on the ports its security group admits.
func stackEdges(t *testing.T, env *config.Environment, set *stackset.Set) map[edgeKey]bool {
	t.Helper()
	byName, published := map[string]int{}, map[string]int{}
	for _, p := range env.Parties {
		byName[p.Name] = p.ID
		if x := p.External; x != nil {
			for _, ip := range x.Addresses() {
				published[ip+"/32"] = p.ID
			}
			published[x.EndpointServiceName] = p.ID
		}
	}
	// party resolves an address or service name expression to the party
	// publishing it: an external party's configured value, or a reference
	// to a managed party's provider stack.
	party := func(expr string) (int, bool) {
		if id, ok := published[expr]; ok && expr != "" && expr != "/32" {
			return id, true
		}
		m := reProvider.FindStringSubmatch(expr)
		if m == nil {
			return 0, false
		}
		id, ok := byName[strings.TrimPrefix(m[1], env.Name+"-")]
		return id, ok
	}
	edges := map[edgeKey]bool{}
	for _, p := range env.ManagedParties() {
		st := set.Stacks[env.StackName(p, config.LayerConsumer)]
		if st == nil {
			t.Fatalf("no snapshot of %s", env.StackName(p, config.LayerConsumer))
		}
		for _, rule := range st.Resources["aws_vpc_security_group_ingress_rule"] {
			if from, ok := party(rule.String("cidr_ipv4")); ok {
				edges[edgeKey{from, p.ID, rule.Int("from_port")}] = true
			}
		}
		for _, rule := range st.Resources["aws_vpc_security_group_egress_rule"] {
			if to, ok := party(rule.String("cidr_ipv4")); ok {
				edges[edgeKey{p.ID, to, rule.Int("from_port")}] = true
			}
		}
		for id, ep := range st.Resources["aws_vpc_endpoint"] {
			to, err := strconv.Atoi(ep.Map("tags").String("mpc:partner-party"))
			if err != nil {
				t.Errorf("%s %s has no mpc:partner-party tag", st.Name, id)
				continue
			}
			if via, ok := party(ep.String("service_name")); !ok || via != to {
				t.Errorf("%s %s is tagged for party %d but its service name %s is not that party's", st.Name, id, to, ep.String("service_name"))
			}
			for _, rule := range st.Resources["aws_vpc_security_group_ingress_rule"] {
				for _, sg := range ep.Strings("security_group_ids") {
					if rule.String("security_group_id") == sg {
						edges[edgeKey{p.ID, to, rule.Int("from_port")}] = true
					}
				}
			}
		}
	}
	return edges
}

// TestDiagramEdgesMatchConsumerStacks checks the committed diagrams against
// the synthesized consumer stacks in both directions: every edge and port
// drawn is backed by a rule or an endpoint, and every rule or endpoint to a
// peer is drawn. It also checks that every party is drawn and that every
// ordered pair of parties of which at least one is managed is connected.
func TestDiagramEdgesMatchConsumerStacks(t *testing.T) {
	set, err := stackset.Load(snapshotDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range requiredDiagrams {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Load(configDir, []string{name})
			if err != nil {
				t.Fatal(err)
			}
			env := cfg.Environments[0]
			text, err := os.ReadFile(diagram.File(diagramDir, name))
			if err != nil {
				t.Fatalf("run make diagram ENV=%s: %v", name, err)
			}
			drawn := diagramEdges(t, string(text))
			built := stackEdges(t, env, set)
			for _, e := range sortedEdges(drawn) {
				if !built[e] {
					t.Errorf("the diagram draws party %d -> party %d on port %d, but no consumer stack has a rule or endpoint for it", e.from, e.to, e.port)
				}
			}
			for _, e := range sortedEdges(built) {
				if !drawn[e] {
					t.Errorf("the consumer stacks connect party %d -> party %d on port %d, but the diagram does not draw it", e.from, e.to, e.port)
				}
			}
			pairs := map[[2]int]bool{}
			for e := range drawn {
				pairs[[2]int{e.from, e.to}] = true
			}
			for _, p := range env.Parties {
				if !strings.Contains(string(text), fmt.Sprintf("    party_%d[\"%s, party %d<br/>", p.ID, p.Name, p.ID)) {
					t.Errorf("party %d (%s) is not drawn", p.ID, p.Name)
				}
				for _, q := range env.Parties {
					if p.ID != q.ID && (p.Managed != nil || q.Managed != nil) && !pairs[[2]int{p.ID, q.ID}] {
						t.Errorf("no edge party %d (%s) -> party %d (%s)", p.ID, p.Name, q.ID, q.Name)
					}
				}
			}
		})
	}
}

func sortedEdges(m map[edgeKey]bool) []edgeKey {
	var res []edgeKey
	for e := range m {
		res = append(res, e)
	}
	sort.Slice(res, func(i, j int) bool {
		a, b := res[i], res[j]
		return fmt.Sprint(a.from, a.to, a.port) < fmt.Sprint(b.from, b.to, b.port)
	})
	return res
}

// loadLocal loads the local environment and the snapshots, for tests that
// break the stacks on purpose.
func loadLocal(t *testing.T) (*config.Environment, *stackset.Set) {
	t.Helper()
	cfg, err := config.Load(configDir, []string{"local"})
	if err != nil {
		t.Fatal(err)
	}
	set, err := stackset.Load(snapshotDir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Environments[0], set
}

// TestBuildRefusesPeersWithoutConnection: when a consumer stack lacks the
// endpoints to its peers, the diagram is not drawn from the configuration
// alone; Build fails and names the unconnected parties.
func TestBuildRefusesPeersWithoutConnection(t *testing.T) {
	env, set := loadLocal(t)
	delete(set.Stacks["local-alice-consumer"].Resources, "aws_vpc_endpoint")
	_, err := diagram.Build(env, set)
	if err == nil || !strings.Contains(err.Error(), "connects alice to bob") {
		t.Fatalf("Build() error = %v, want one saying nothing connects alice to bob", err)
	}
}

// TestBuildRefusesMisnamedExternalName: the in-cluster name of the endpoint
// to party 2 must be mpc-node-2.
func TestBuildRefusesMisnamedExternalName(t *testing.T) {
	env, set := loadLocal(t)
	for _, svc := range set.Stacks["local-alice-cluster"].Resources["kubernetes_service_v1"] {
		if md := svc.Map("metadata"); md.String("name") == "mpc-node-2" {
			md["name"] = "mpc-node-3"
		}
	}
	_, err := diagram.Build(env, set)
	if err == nil || !strings.Contains(err.Error(), "is named mpc-node-3, not mpc-node-2") {
		t.Fatalf("Build() error = %v, want the misnamed service reported", err)
	}
}

// TestBuildNeedsEveryStack: a managed party without synthesized stacks is
// an error that says to synthesize.
func TestBuildNeedsEveryStack(t *testing.T) {
	env, set := loadLocal(t)
	delete(set.Stacks, "local-dave-party")
	_, err := diagram.Build(env, set)
	if err == nil || !strings.Contains(err.Error(), "stack local-dave-party is missing") || !strings.Contains(err.Error(), "make synth") {
		t.Fatalf("Build() error = %v, want the missing stack named with the fix", err)
	}
}

// TestExternalPrivateLinkPeer: in zws-dev the external party 4 reaches the
// managed party 2 through party 2's endpoint service, which admits party
// 4's account, and party 2 reaches party 4 through an interface endpoint to
// the configured service name (cross-region, eu-west-3).
func TestExternalPrivateLinkPeer(t *testing.T) {
	diagrams, err := diagram.Load(configDir, snapshotDir, []string{"zws-dev"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range diagrams[0].Connections {
		got[fmt.Sprintf("%d->%d", c.From, c.To)] = c.Mechanism + " | " + diagram.PortsText(c.Ports)
	}
	want := map[string]string{
		"2->4": "interface endpoint (cross-region, eu-west-3) + ExternalName mpc-node-4 | peer 50001, metrics 9646",
		"4->2": "kms-threshold-4's own interface endpoint to the zws-threshold-2 endpoint service, which admits account 444455556666 | peer 50001, metrics 9646",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("connections = %v, want %v", got, want)
	}
}

// TestDOTRendersWithGraphviz renders every committed diagram with dot when
// Graphviz is installed; SVG output is optional, so the test is skipped
// without it.
func TestDOTRendersWithGraphviz(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz dot is not installed")
	}
	diagrams, err := diagram.Load(configDir, snapshotDir, requiredDiagrams)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diagrams {
		svg, err := d.SVG()
		if err != nil {
			t.Errorf("%s: %v", d.Env.Name, err)
		} else if !strings.Contains(string(svg), "<svg") {
			t.Errorf("%s: dot wrote no SVG", d.Env.Name)
		}
	}
}
