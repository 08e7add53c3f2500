// Package diagram draws the topology of one environment from the two
// sources the stacks are built from and made of: the environment's
// configuration (package config) and the synthesized stacks (package
// stackset). Nothing is described by hand: every connection is backed by the
// security group rules, interface endpoints, ExternalName services or
// endpoint-service principals found in the stacks, and every stack dependency
// by the cross-stack references the stacks make.
//
// Build produces a Diagram; Mermaid and DOT render it. Output is sorted, so
// the same inputs always give the same bytes.
package diagram

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/stackset"
	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// Diagram is the topology of one environment.
type Diagram struct {
	// Env is the environment drawn.
	Env *config.Environment
	// Parties are every party of the environment, by ascending id.
	Parties []Party
	// Connections are the directed MPC connections, by (From, To).
	Connections []Connection
	// Dependencies are the cross-stack references between the managed
	// parties' stacks, by (From, To).
	Dependencies []Dependency
}

// Party is one party and, when managed, its stacks.
type Party struct {
	// ID, Name, AccountID and Region come from the configuration.
	ID                      int
	Name, AccountID, Region string
	// Cluster is the EKS cluster of a managed party ("" for an external one).
	Cluster string
	// Managed is true for a party this app deploys.
	Managed bool
	// Published is what the party publishes to its peers: its addresses
	// (every one) or its endpoint service.
	Published string
	// Stacks are a managed party's stacks in layer order.
	Stacks []StackNode
}

// StackNode is one synthesized stack of a managed party.
type StackNode struct {
	// Name is the stack name, <env>-<party>-<layer>.
	Name string
	// Layer is the stack's layer.
	Layer config.Layer
}

// Connection is party From reaching party To.
type Connection struct {
	// From and To are party ids.
	From, To int
	// Ports are the MPC ports the connection is open on, in config order.
	Ports []config.NamedPort
	// Mechanism says what carries the connection.
	Mechanism string
	// Evidence lists the stack resources backing the connection,
	// "<stack>: <type>.<logical id>", sorted.
	Evidence []string
}

// Dependency is stack From reading outputs of stack To.
type Dependency struct {
	// From is the dependent stack; To the stack it reads.
	From, To string
	// Refs are the resource attributes read, "type.attribute", sorted.
	Refs []string
}

// Resource types the connections are read from.
const (
	typeIngress         = "aws_vpc_security_group_ingress_rule"
	typeEgress          = "aws_vpc_security_group_egress_rule"
	typeEIP             = "aws_eip"
	typeEndpoint        = "aws_vpc_endpoint"
	typeEndpointService = "aws_vpc_endpoint_service"
	typeListener        = "aws_lb_listener"
	typeService         = "kubernetes_service_v1"
)

// builder holds the inputs while a diagram is built.
type builder struct {
	env *config.Environment
	set *stackset.Set
}

// Build draws env from the synthesized stacks in set. It fails when a managed
// party's stack is missing (synthesize first) or when two parties that the
// configuration makes peers have nothing in the stacks connecting them.
func Build(env *config.Environment, set *stackset.Set) (*Diagram, error) {
	b := &builder{env: env, set: set}
	d := &Diagram{Env: env}
	parties := sortedParties(env)
	for _, p := range parties {
		party, err := b.party(p)
		if err != nil {
			return nil, err
		}
		d.Parties = append(d.Parties, party)
	}
	for _, p := range parties {
		for _, q := range parties {
			if p.ID == q.ID || (p.Managed == nil && q.Managed == nil) {
				// Two external parties connect outside this app's stacks.
				continue
			}
			c, err := b.connection(p, q)
			if err != nil {
				return nil, err
			}
			if len(c.Evidence) == 0 {
				return nil, fmt.Errorf("%s: parties %s and %s are peers, but no security group rule, endpoint or endpoint-service principal in the stacks connects %s to %s", env.Name, p.Name, q.Name, p.Name, q.Name)
			}
			d.Connections = append(d.Connections, c)
		}
	}
	for _, p := range parties {
		if p.Managed == nil {
			continue
		}
		for _, l := range config.Layers {
			deps, err := b.dependencies(env.StackName(p, l))
			if err != nil {
				return nil, err
			}
			d.Dependencies = append(d.Dependencies, deps...)
		}
	}
	return d, nil
}

// sortedParties returns the environment's parties by ascending id.
func sortedParties(env *config.Environment) []*config.Party {
	res := make([]*config.Party, len(env.Parties))
	for i := range env.Parties {
		res[i] = &env.Parties[i]
	}
	sort.Slice(res, func(i, j int) bool { return res[i].ID < res[j].ID })
	return res
}

// stack returns a managed party's stack of one layer.
func (b *builder) stack(p *config.Party, l config.Layer) (*stackset.Stack, error) {
	name := b.env.StackName(p, l)
	st, ok := b.set.Stacks[name]
	if !ok {
		return nil, fmt.Errorf("stack %s is missing from the synthesized stacks: run make synth ENV=%s", name, b.env.Name)
	}
	return st, nil
}

func (b *builder) party(p *config.Party) (Party, error) {
	res := Party{ID: p.ID, Name: p.Name, AccountID: p.AccountID, Region: p.Region, Managed: p.Managed != nil}
	if p.External != nil {
		switch ips := p.External.Addresses(); len(ips) {
		case 0:
			res.Published = "VPC endpoint service " + p.External.EndpointServiceName
		case 1:
			res.Published = "Elastic IP " + ips[0]
		default:
			res.Published = "Elastic IPs " + strings.Join(ips, ", ")
		}
		return res, nil
	}
	res.Cluster = p.Managed.ClusterName
	for _, l := range config.Layers {
		st, err := b.stack(p, l)
		if err != nil {
			return res, err
		}
		res.Stacks = append(res.Stacks, StackNode{Name: st.Name, Layer: l})
	}
	provider := b.set.Stacks[res.Stacks[0].Name]
	output, what := config.OutputEndpointServiceName, "VPC endpoint service"
	if b.env.Strategy == config.KubeIP {
		output, what = config.OutputPublicIPs, "Elastic IP"
	}
	out, ok := provider.Outputs[output]
	// The KubeIP output is a list holding every address; the PrivateLink one a single name.
	values, isList := out.Value.([]any)
	if !isList {
		values = []any{out.Value}
	}
	var ref stackset.Ref
	for _, v := range values {
		s, _ := v.(string)
		r, isRef := stackset.LocalRef(s)
		if !ok || !isRef {
			return res, fmt.Errorf("%s has no output %s holding resource attributes: run make synth ENV=%s", provider.Name, output, b.env.Name)
		}
		ref = r
	}
	if n := len(provider.Resources[typeEIP]); b.env.Strategy == config.KubeIP && len(values) != n {
		return res, fmt.Errorf("%s: output %s lists %d of the stack's %d Elastic IPs; peers would miss the others", provider.Name, output, len(values), n)
	}
	if len(values) > 1 {
		what = fmt.Sprintf("%d Elastic IPs", len(values))
	}
	res.Published = fmt.Sprintf("%s (%s, output %s of %s)", what, ref.TypeAttribute(), output, provider.Name)
	return res, nil
}

func (b *builder) connection(p, q *config.Party) (Connection, error) {
	if b.env.Strategy == config.KubeIP {
		return b.kubeipConnection(p, q)
	}
	if p.Managed == nil {
		return b.inboundEndpointConnection(p, q)
	}
	return b.endpointConnection(p, q)
}

// addressMatcher returns whether a CIDR expression is exactly one of party
// p's published addresses as a /32: one of its configured Elastic IPs when
// external, a cross-stack reference to one of the Elastic IPs of its
// provider stack when managed.
func (b *builder) addressMatcher(p *config.Party) func(cidr string) (bool, error) {
	if p.External != nil {
		return func(cidr string) (bool, error) {
			ip, ok := strings.CutSuffix(cidr, "/32")
			return ok && slices.Contains(p.External.Addresses(), ip), nil
		}
	}
	provider := b.env.StackName(p, config.LayerProvider)
	return func(cidr string) (bool, error) {
		refs, err := b.set.CrossRefs(cidr)
		if err != nil || len(refs) != 1 || !strings.HasSuffix(cidr, "}/32") {
			return false, err
		}
		return refs[0].Stack == provider && refs[0].Type == typeEIP && refs[0].Attribute == "public_ip", nil
	}
}

// kubeipConnection finds the firewall rules that let p reach q: the ingress
// rules of q's firewall admitting p's addresses, and the egress rules of p's
// firewall towards q's addresses.
func (b *builder) kubeipConnection(p, q *config.Party) (Connection, error) {
	c := Connection{From: p.ID, To: q.ID}
	ports := map[int]bool{}
	var how []string
	collect := func(owner *config.Party, ruleType string, addr func(string) (bool, error), what string) error {
		if owner.Managed == nil {
			return nil
		}
		st, err := b.stack(owner, config.LayerConsumer)
		if err != nil {
			return err
		}
		found := false
		for _, id := range slices.Sorted(maps.Keys(st.Resources[ruleType])) {
			rule := st.Resources[ruleType][id]
			ok, err := addr(rule.String("cidr_ipv4"))
			if err != nil {
				return fmt.Errorf("%s %s: %w", st.Name, id, err)
			}
			if ok {
				found = true
				ports[rule.Int("from_port")] = true
				c.Evidence = append(c.Evidence, fmt.Sprintf("%s: %s.%s", st.Name, ruleType, id))
			}
		}
		if found {
			how = append(how, what)
		}
		return nil
	}
	if err := collect(q, typeIngress, b.addressMatcher(p), fmt.Sprintf("%s firewall admits %s/32", q.Name, p.Name)); err != nil {
		return c, err
	}
	if err := collect(p, typeEgress, b.addressMatcher(q), fmt.Sprintf("%s firewall egress to %s/32", p.Name, q.Name)); err != nil {
		return c, err
	}
	c.Ports = b.namedPorts(ports)
	c.Mechanism = "SG rules: " + strings.Join(how, ", ")
	sort.Strings(c.Evidence)
	return c, nil
}

// serviceMatcher returns whether a service_name expression is party q's
// endpoint service: its configured name when external, a cross-stack
// reference to the endpoint service of its provider stack when managed.
func (b *builder) serviceMatcher(q *config.Party) func(name string) (bool, error) {
	if q.External != nil {
		return func(name string) (bool, error) { return name == q.External.EndpointServiceName, nil }
	}
	provider := b.env.StackName(q, config.LayerProvider)
	return func(name string) (bool, error) {
		refs, err := b.set.CrossRefs(name)
		if err != nil || len(refs) != 1 {
			return false, err
		}
		return refs[0].Stack == provider && refs[0].Type == typeEndpointService && refs[0].Attribute == "service_name", nil
	}
}

// endpointConnection finds managed party p's interface endpoint to q's
// endpoint service (consumer stack), the ports its security group admits,
// and the ExternalName service mpc-node-<q> that points at it (cluster stack).
func (b *builder) endpointConnection(p, q *config.Party) (Connection, error) {
	c := Connection{From: p.ID, To: q.ID}
	consumer, err := b.stack(p, config.LayerConsumer)
	if err != nil {
		return c, err
	}
	isQ := b.serviceMatcher(q)
	var endpointID string
	for _, id := range slices.Sorted(maps.Keys(consumer.Resources[typeEndpoint])) {
		ep := consumer.Resources[typeEndpoint][id]
		ok, err := isQ(ep.String("service_name"))
		if err != nil {
			return c, fmt.Errorf("%s %s: %w", consumer.Name, id, err)
		}
		if !ok {
			continue
		}
		if endpointID != "" {
			return c, fmt.Errorf("%s has two endpoints to %s: %s and %s", consumer.Name, q.Name, endpointID, id)
		}
		endpointID = id
		c.Evidence = append(c.Evidence, fmt.Sprintf("%s: %s.%s", consumer.Name, typeEndpoint, id))
		c.Ports = b.namedPorts(endpointPorts(consumer, ep))
		c.Mechanism = "interface endpoint"
		if region := ep.String("service_region"); region != "" {
			c.Mechanism += " (cross-region, " + region + ")"
		}
	}
	if endpointID == "" {
		return c, nil
	}
	cluster, err := b.stack(p, config.LayerCluster)
	if err != nil {
		return c, err
	}
	svcID, svcName, err := b.externalName(cluster, consumer.Name, endpointID, q.ID)
	if err != nil {
		return c, err
	}
	if svcID != "" {
		c.Mechanism += " + ExternalName " + svcName
		c.Evidence = append(c.Evidence, fmt.Sprintf("%s: %s.%s", cluster.Name, typeService, svcID))
	}
	sort.Strings(c.Evidence)
	return c, nil
}

// endpointPorts are the ports the ingress rules of an endpoint's security
// groups admit.
func endpointPorts(consumer *stackset.Stack, ep stackset.Block) map[int]bool {
	groups := ep.Strings("security_group_ids")
	ports := map[int]bool{}
	for _, rule := range consumer.Resources[typeIngress] {
		if slices.Contains(groups, rule.String("security_group_id")) {
			ports[rule.Int("from_port")] = true
		}
	}
	return ports
}

// externalName finds the ExternalName service of a cluster stack whose
// target is the DNS name of the given endpoint of the consumer stack, and
// checks it is named mpc-node-<peer id>. It returns "" when there is none.
func (b *builder) externalName(cluster *stackset.Stack, consumer, endpointID string, peerID int) (string, string, error) {
	for _, id := range slices.Sorted(maps.Keys(cluster.Resources[typeService])) {
		svc := cluster.Resources[typeService][id]
		spec := svc.Map("spec")
		if spec.String("type") != "ExternalName" {
			continue
		}
		refs, err := b.set.CrossRefs(spec.String("external_name"))
		if err != nil {
			return "", "", fmt.Errorf("%s %s: %w", cluster.Name, id, err)
		}
		if len(refs) != 1 || refs[0].Stack != consumer || refs[0].Type != typeEndpoint || refs[0].Name != endpointID {
			continue
		}
		name := svc.Map("metadata").String("name")
		if want := mesh.ServiceName(peerID); name != want {
			return "", "", fmt.Errorf("%s: the ExternalName service %s points at the endpoint to party %d but is named %s, not %s", cluster.Name, id, peerID, name, want)
		}
		return id, name, nil
	}
	return "", "", nil
}

// inboundEndpointConnection finds what lets external party p reach managed
// party q through PrivateLink: q's endpoint service admitting p's account.
// p's interface endpoint lives in p's own organisation.
func (b *builder) inboundEndpointConnection(p, q *config.Party) (Connection, error) {
	c := Connection{From: p.ID, To: q.ID}
	provider, err := b.stack(q, config.LayerProvider)
	if err != nil {
		return c, err
	}
	principal := ":iam::" + p.AccountID + ":root"
	for _, id := range slices.Sorted(maps.Keys(provider.Resources[typeEndpointService])) {
		svc := provider.Resources[typeEndpointService][id]
		if !slices.ContainsFunc(svc.Strings("allowed_principals"), func(s string) bool { return strings.HasSuffix(s, principal) }) {
			continue
		}
		c.Evidence = append(c.Evidence, fmt.Sprintf("%s: %s.%s", provider.Name, typeEndpointService, id))
		c.Mechanism = fmt.Sprintf("%s's own interface endpoint to the %s endpoint service, which admits account %s", p.Name, q.Name, p.AccountID)
		ports := map[int]bool{}
		for _, l := range provider.Resources[typeListener] {
			ports[l.Int("port")] = true
		}
		c.Ports = b.namedPorts(ports)
	}
	return c, nil
}

// namedPorts orders port numbers as the environment lists its ports and
// names them; a number the environment does not list is named "tcp".
func (b *builder) namedPorts(numbers map[int]bool) []config.NamedPort {
	var res []config.NamedPort
	for _, p := range b.env.PortList() {
		if numbers[p.Number] {
			res = append(res, p)
			delete(numbers, p.Number)
		}
	}
	var rest []int
	for n := range numbers {
		rest = append(rest, n)
	}
	sort.Ints(rest)
	for _, n := range rest {
		res = append(res, config.NamedPort{Name: "tcp", Number: n})
	}
	return res
}

// dependencies lists the stacks that stack name reads, with what it reads.
func (b *builder) dependencies(name string) ([]Dependency, error) {
	st := b.set.Stacks[name]
	var res []Dependency
	for _, dep := range st.Dependencies {
		refs, err := b.set.RefsTo(st, dep)
		if err != nil {
			return nil, err
		}
		d := Dependency{From: name, To: dep}
		for _, r := range refs {
			if ta := r.TypeAttribute(); !slices.Contains(d.Refs, ta) {
				d.Refs = append(d.Refs, ta)
			}
		}
		res = append(res, d)
	}
	return res, nil
}

// PortsText renders ports as "grpc 50100, peer 50001, metrics 9646".
func PortsText(ports []config.NamedPort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = fmt.Sprintf("%s %d", p.Name, p.Number)
	}
	return strings.Join(parts, ", ")
}
