package constructs_test

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"

	"github.com/mpc-mesh/infra/constructs/firewall"
	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	firewallIngressType = "aws_vpc_security_group_ingress_rule"
	firewallEgressType  = "aws_vpc_security_group_egress_rule"
)

var firewallPorts = []mesh.Port{{Name: "grpc", Number: 50100}, {Name: "peer", Number: 50001}, {Name: "metrics", Number: 9646}}

// firewallPeerIP is the address each test peer publishes; party 3's is a token read
// from an aws_eip in the same stack.
var firewallPeerIP = map[int]string{1: "203.0.113.1", 2: "198.51.100.7", 3: "${aws_eip.peer3.public_ip}"}

func firewallSynth(t *testing.T, mutate func(p *firewall.Props)) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) {
		peer3 := eip.NewEip(s, jsii.String("peer3"), &eip.EipConfig{Domain: jsii.String("vpc")})
		props := &firewall.Props{
			Name:  "dev-p4-enclave",
			VpcID: jsii.String("vpc-0123"),
			Ports: firewallPorts,
			Peers: []mesh.Peer{
				{ID: 1, Name: "alpha", PublicIPs: []*string{jsii.String(firewallPeerIP[1])}},
				{ID: 2, Name: "beta", PublicIPs: []*string{jsii.String(firewallPeerIP[2])}},
				{ID: 3, Name: "gamma", PublicIPs: []*string{peer3.PublicIp()}},
			},
		}
		if mutate != nil {
			mutate(props)
		}
		firewall.New(s, "fw", props)
	})
}

var firewallLogicalID = regexp.MustCompile(`^fw_(.+)_[0-9A-F]{8}$`)

// firewallByConstructID re-keys resources by the construct id inside the firewall.
func firewallByConstructID(t *testing.T, all map[string]synthtest.Object) map[string]synthtest.Object {
	t.Helper()
	res := map[string]synthtest.Object{}
	for key, o := range all {
		m := firewallLogicalID.FindStringSubmatch(key)
		if m == nil {
			t.Fatalf("logical id %q does not look like fw_<construct id>_<hash>", key)
		}
		res[m[1]] = o
	}
	return res
}

func firewallNum(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func TestFirewallOneIngressRulePerPortAndPeerFromPeerHost(t *testing.T) {
	rules := firewallByConstructID(t, firewallSynth(t, nil).Resources(firewallIngressType))
	if len(rules) != 3*3 {
		t.Fatalf("want 9 ingress rules (3 peers x 3 ports), got %d: %v", len(rules), synthtest.Names(rules))
	}
	for _, port := range firewallPorts {
		for id := 1; id <= 3; id++ {
			key := fmt.Sprintf("%s-from-party-%d", port.Name, id)
			r, ok := rules[key]
			if !ok {
				t.Errorf("missing ingress rule %s", key)
				continue
			}
			if r["cidr_ipv4"] != firewallPeerIP[id]+"/32" {
				t.Errorf("%s cidr_ipv4 = %v, want %s/32", key, r["cidr_ipv4"], firewallPeerIP[id])
			}
			if firewallNum(r["from_port"]) != port.Number || firewallNum(r["to_port"]) != port.Number || r["ip_protocol"] != "tcp" {
				t.Errorf("%s = %v/%v..%v, want tcp %d", key, r["ip_protocol"], r["from_port"], r["to_port"], port.Number)
			}
			if !strings.HasPrefix(fmt.Sprint(r["security_group_id"]), "${aws_security_group.fw_group_") {
				t.Errorf("%s security_group_id = %v, want the firewall group", key, r["security_group_id"])
			}
		}
	}
}

// A peer publishing two Elastic IPs is admitted and reached at both, on
// every port; the rules of its first address keep their ids.
func TestFirewallAdmitsAndReachesEveryAddressOfAPeer(t *testing.T) {
	const second = "198.51.100.8"
	doc := firewallSynth(t, func(p *firewall.Props) {
		p.Peers[1].PublicIPs = append(p.Peers[1].PublicIPs, jsii.String(second))
	})
	ingress := firewallByConstructID(t, doc.Resources(firewallIngressType))
	egress := firewallByConstructID(t, doc.Resources(firewallEgressType))
	if len(ingress) != 4*3 || len(egress) != 4*3 {
		t.Fatalf("want 12 ingress and 12 egress rules (4 addresses x 3 ports), got %d and %d", len(ingress), len(egress))
	}
	for _, port := range firewallPorts {
		for key, want := range map[string]string{
			port.Name + "-from-party-2":     firewallPeerIP[2] + "/32",
			port.Name + "-from-party-2-ip1": second + "/32",
		} {
			if got := ingress[key]["cidr_ipv4"]; got != want {
				t.Errorf("ingress %s cidr_ipv4 = %v, want %s", key, got, want)
			}
		}
		for key, want := range map[string]string{
			port.Name + "-to-party-2":     firewallPeerIP[2] + "/32",
			port.Name + "-to-party-2-ip1": second + "/32",
		} {
			if got := egress[key]["cidr_ipv4"]; got != want {
				t.Errorf("egress %s cidr_ipv4 = %v, want %s", key, got, want)
			}
		}
	}
}

func TestFirewallNothingIsAdmittedFromTheWholeInternet(t *testing.T) {
	doc := firewallSynth(t, func(p *firewall.Props) {
		p.ExtraCIDRs = []string{"192.0.2.0/24"}
	})
	for key, r := range doc.Resources(firewallIngressType) {
		for _, attr := range []string{"cidr_ipv4", "cidr_ipv6"} {
			if v, ok := r[attr].(string); ok && strings.HasSuffix(v, "/0") {
				t.Errorf("%s admits %s", key, v)
			}
		}
	}
}

func TestFirewallRefusesASlashZeroExtraCIDR(t *testing.T) {
	for _, cidr := range []string{"0.0.0.0/0", "::/0"} {
		t.Run(cidr, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), cidr) {
					t.Fatalf("want a panic naming %s, got %v", cidr, r)
				}
			}()
			firewallSynth(t, func(p *firewall.Props) { p.ExtraCIDRs = []string{"192.0.2.0/24", cidr} })
		})
	}
}

// The group has no inline ingress/egress blocks: mixed with standalone rules,
// they make the provider flap or drop rules.
func TestFirewallGroupHasNoInlineRules(t *testing.T) {
	g := firewallSynth(t, nil).Resource("aws_security_group")
	for _, attr := range []string{"ingress", "egress"} {
		if v, ok := g[attr]; ok {
			t.Errorf("security group has inline %s: %v", attr, v)
		}
	}
	if g["name"] != "dev-p4-enclave" || g["vpc_id"] != "vpc-0123" || g["description"] != firewall.DefaultDescription {
		t.Errorf("group name/vpc/description = %v/%v/%v", g["name"], g["vpc_id"], g["description"])
	}
	if tags, _ := g["tags"].(map[string]any); tags["Name"] != "dev-p4-enclave" {
		t.Errorf("Name tag = %v", tags["Name"])
	}
}

func TestFirewallEgressOnlyToPeerHostsOnMPCPorts(t *testing.T) {
	rules := firewallByConstructID(t, firewallSynth(t, func(p *firewall.Props) {
		p.ExtraCIDRs = []string{"192.0.2.0/24"}
		p.ExtraSecurityGroupIDs = []string{"sg-0aaa"}
	}).Resources(firewallEgressType))
	if len(rules) != 9 {
		t.Fatalf("want 9 egress rules (peers only), got %d: %v", len(rules), synthtest.Names(rules))
	}
	for _, port := range firewallPorts {
		for id := 1; id <= 3; id++ {
			key := fmt.Sprintf("%s-to-party-%d", port.Name, id)
			r := rules[key]
			if r == nil || r["cidr_ipv4"] != firewallPeerIP[id]+"/32" || firewallNum(r["from_port"]) != port.Number || firewallNum(r["to_port"]) != port.Number {
				t.Errorf("egress %s = %v, want tcp %d to %s/32", key, r, port.Number, firewallPeerIP[id])
			}
		}
	}
}

func TestFirewallExtraSourcesGetOneRulePerPort(t *testing.T) {
	rules := firewallByConstructID(t, firewallSynth(t, func(p *firewall.Props) {
		p.Peers = nil
		p.ExtraCIDRs = []string{"192.0.2.0/24", "2001:db8::/64"}
		p.ExtraSecurityGroupIDs = []string{"sg-0aaa"}
	}).Resources(firewallIngressType))
	if len(rules) != 3*3 {
		t.Fatalf("want 9 rules (3 sources x 3 ports), got %d: %v", len(rules), synthtest.Names(rules))
	}
	for _, port := range firewallPorts {
		if r := rules[port.Name+"-from-cidr-192-0-2-0-24"]; r == nil || r["cidr_ipv4"] != "192.0.2.0/24" {
			t.Errorf("%s IPv4 CIDR rule = %v", port.Name, r)
		}
		if r := rules[port.Name+"-from-cidr-2001-db8---64"]; r == nil || r["cidr_ipv6"] != "2001:db8::/64" {
			t.Errorf("%s IPv6 CIDR rule = %v", port.Name, r)
		}
		if r := rules[port.Name+"-from-sg-sg-0aaa"]; r == nil || r["referenced_security_group_id"] != "sg-0aaa" {
			t.Errorf("%s security group rule = %v", port.Name, r)
		}
	}
}

// Rules keyed by list index would be recreated whenever ports (or sources)
// are reordered. Keys here depend only on names and values.
func TestFirewallReorderingPortsAndSourcesKeepsRuleIDs(t *testing.T) {
	extras := func(p *firewall.Props) {
		p.ExtraCIDRs = []string{"192.0.2.0/24", "198.18.0.0/15"}
		p.ExtraSecurityGroupIDs = []string{"sg-0aaa", "sg-0bbb"}
	}
	keys := func(doc *synthtest.Doc) []string {
		all := append(synthtest.Names(doc.Resources(firewallIngressType)), synthtest.Names(doc.Resources(firewallEgressType))...)
		sort.Strings(all)
		return all
	}
	before := keys(firewallSynth(t, extras))
	after := keys(firewallSynth(t, func(p *firewall.Props) {
		extras(p)
		p.Ports = []mesh.Port{firewallPorts[2], firewallPorts[0], firewallPorts[1]}
		p.Peers = []mesh.Peer{p.Peers[2], p.Peers[0], p.Peers[1]}
		p.ExtraCIDRs = []string{p.ExtraCIDRs[1], p.ExtraCIDRs[0]}
		p.ExtraSecurityGroupIDs = []string{p.ExtraSecurityGroupIDs[1], p.ExtraSecurityGroupIDs[0]}
	}))
	if len(before) != 3*(3+2+2)+3*3 {
		t.Fatalf("want 30 rules, got %d", len(before))
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("rule ids changed on reordering:\nbefore %v\nafter  %v", before, after)
	}
}

// Without Ports, the firewall opens the published MPC ports (peer and
// metrics; the gRPC client port stays closed), not IPFS ports such as
// 4001/4002.
func TestFirewallDefaultPortsAreTheMPCPorts(t *testing.T) {
	rules := firewallSynth(t, func(p *firewall.Props) { p.Ports = nil }).Resources(firewallIngressType)
	got := map[int]int{}
	for _, r := range rules {
		got[firewallNum(r["from_port"])]++
	}
	want := map[int]int{50001: 3, 9646: 3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rules per port = %v, want %v", got, want)
	}
}
