// Package firewall creates the dedicated security group of a party's MPC
// enclave nodes in the KubeIP strategy: it admits each Elastic IP (/32) of
// each peer on each MPC port, and lets the node reach each of those /32s on
// the same ports.
//
// Every rule is a standalone aws_vpc_security_group_ingress_rule or
// aws_vpc_security_group_egress_rule; the group itself has no inline rules,
// because mixing inline and standalone rules on one group makes the AWS
// provider flap or drop rules. Terraform's aws_security_group also removes the
// allow-all egress rule that AWS puts on a new group, so this group's egress
// is exactly the peer rules.
//
// Security groups are additive: the enclave nodes also carry the EKS cluster
// security group, which admits the control plane and carries the rest of the
// node's traffic (AWS APIs, ECR, DNS, kubelet and control-plane traffic). This
// group only has to add the MPC mesh traffic.
//
// Rule construct ids are stable and readable, and never depend on list order:
// "<port name>-from-party-<id>", "<port name>-to-party-<id>",
// "<port name>-from-cidr-<cidr>" and "<port name>-from-sg-<group id>". A
// peer's further addresses add "-ip<index>" (index from 1, as in the
// Elastic IPs' Name tags), so the rules of its first address keep their ids
// when addresses are added.
package firewall

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupegressrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"

	"github.com/mpc-mesh/infra/internal/mesh"
)

// DefaultDescription is the group description used when Props.Description is empty.
const DefaultDescription = "MPC enclave nodes: MPC ports to and from peer parties only"

// Props configures the firewall.
type Props struct {
	// Name is the security group name and its Name tag. Required.
	Name string
	// Description is the security group description (changing it replaces the
	// group). Default: DefaultDescription.
	Description string
	// VpcID is the VPC of the enclave nodes. Required; may be a token.
	VpcID *string
	// Ports are the MPC ports to open. Default: mesh.PublishedPorts.
	Ports []mesh.Port
	// Peers are the other parties; each of their PublicIPs (literals or
	// tokens, without prefix length) is admitted and reached as a /32 on
	// every port. Default: none.
	Peers []mesh.Peer
	// ExtraCIDRs are further sources admitted on every port, such as an
	// operator's monitoring network. A /0 CIDR is refused. Default: none.
	ExtraCIDRs []string
	// ExtraSecurityGroupIDs are security groups (literal ids) whose members are
	// admitted on every port. Default: none.
	ExtraSecurityGroupIDs []string
	// Tags are extra tags on the group, on top of the provider's default tags.
	// The Name tag is always Name. Default: none.
	Tags map[string]string
}

// Firewall is the created security group and its rules.
type Firewall struct {
	// Group is the security group resource.
	Group securitygroup.SecurityGroup
	// Ingress holds the ingress rules by construct id.
	Ingress map[string]vpcsecuritygroupingressrule.VpcSecurityGroupIngressRule
	// Egress holds the egress rules by construct id.
	Egress map[string]vpcsecuritygroupegressrule.VpcSecurityGroupEgressRule
	// SecurityGroupID is the group id, to attach to the enclave node group.
	SecurityGroupID *string
	// SecurityGroupARN is the group ARN.
	SecurityGroupARN *string
}

// source is one thing a rule admits: exactly one of cidr4, cidr6 or group is set.
type source struct {
	key, label          string
	cidr4, cidr6, group *string
}

// New creates the group and one ingress rule per (port, source) and one
// egress rule per (port, peer address). It panics if an extra CIDR is a /0.
func New(scope constructs.Construct, id string, props *Props) *Firewall {
	c := constructs.NewConstruct(scope, jsii.String(id))
	desc := props.Description
	if desc == "" {
		desc = DefaultDescription
	}
	ports := props.Ports
	if len(ports) == 0 {
		ports = mesh.PublishedPorts
	}
	tags := map[string]*string{}
	for k, v := range props.Tags {
		tags[k] = jsii.String(v)
	}
	tags["Name"] = jsii.String(props.Name)
	// No Ingress/Egress blocks here on purpose: all rules are standalone resources.
	group := securitygroup.NewSecurityGroup(c, jsii.String("group"), &securitygroup.SecurityGroupConfig{
		Name:        jsii.String(props.Name),
		Description: jsii.String(desc),
		VpcId:       props.VpcID,
		Tags:        &tags,
	})
	fw := &Firewall{
		Group:            group,
		Ingress:          map[string]vpcsecuritygroupingressrule.VpcSecurityGroupIngressRule{},
		Egress:           map[string]vpcsecuritygroupegressrule.VpcSecurityGroupEgressRule{},
		SecurityGroupID:  group.Id(),
		SecurityGroupARN: group.Arn(),
	}
	peers := peerSources(props.Peers)
	sources := append(append(append([]source(nil), peers...), cidrSources(props.ExtraCIDRs)...), groupSources(props.ExtraSecurityGroupIDs)...)
	for _, port := range ports {
		for _, src := range sources {
			ruleID := port.Name + "-from-" + src.key
			fw.Ingress[ruleID] = vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(c, jsii.String(ruleID), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
				SecurityGroupId:           fw.SecurityGroupID,
				IpProtocol:                jsii.String("tcp"),
				FromPort:                  jsii.Number(port.Number),
				ToPort:                    jsii.Number(port.Number),
				CidrIpv4:                  src.cidr4,
				CidrIpv6:                  src.cidr6,
				ReferencedSecurityGroupId: src.group,
				Description:               jsii.String(fmt.Sprintf("MPC %s (%d/tcp) from %s", port.Name, port.Number, src.label)),
			})
		}
		for _, dst := range peers {
			ruleID := port.Name + "-to-" + dst.key
			fw.Egress[ruleID] = vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(c, jsii.String(ruleID), &vpcsecuritygroupegressrule.VpcSecurityGroupEgressRuleConfig{
				SecurityGroupId: fw.SecurityGroupID,
				IpProtocol:      jsii.String("tcp"),
				FromPort:        jsii.Number(port.Number),
				ToPort:          jsii.Number(port.Number),
				CidrIpv4:        dst.cidr4,
				Description:     jsii.String(fmt.Sprintf("MPC %s (%d/tcp) to %s", port.Name, port.Number, dst.label)),
			})
		}
	}
	return fw
}

// HostCIDR turns an IPv4 address (a literal or a token) into its /32 CIDR.
func HostCIDR(ip *string) *string {
	return jsii.String(*ip + "/32")
}

func peerLabel(p mesh.Peer) string {
	if p.Name == "" {
		return fmt.Sprintf("party %d", p.ID)
	}
	return fmt.Sprintf("party %d (%s)", p.ID, p.Name)
}

// peerSources returns one source per address of every peer, in peer then
// address order; they are both the ingress sources and the egress destinations.
func peerSources(peers []mesh.Peer) []source {
	var res []source
	for _, p := range peers {
		for i, ip := range p.PublicIPs {
			src := source{key: p.Key(), label: peerLabel(p), cidr4: HostCIDR(ip)}
			if i > 0 {
				src.key += fmt.Sprintf("-ip%d", i)
				src.label += fmt.Sprintf(", Elastic IP %d", i)
			}
			res = append(res, src)
		}
	}
	return res
}

// cidrSources returns one source per distinct CIDR, sorted, and refuses /0.
func cidrSources(cidrs []string) []source {
	var res []source
	for _, cidr := range sortedUnique(cidrs) {
		if strings.HasSuffix(cidr, "/0") {
			// Defence in depth: config validation already rejects this.
			panic(fmt.Sprintf("firewall: refusing to open MPC ports to %q: a /0 CIDR admits the whole internet", cidr))
		}
		src := source{key: "cidr-" + idFragment(cidr), label: cidr}
		if strings.Contains(cidr, ":") {
			src.cidr6 = jsii.String(cidr)
		} else {
			src.cidr4 = jsii.String(cidr)
		}
		res = append(res, src)
	}
	return res
}

func groupSources(groups []string) []source {
	var res []source
	for _, sg := range sortedUnique(groups) {
		res = append(res, source{key: "sg-" + sg, label: "security group " + sg, group: jsii.String(sg)})
	}
	return res
}

func sortedUnique(values []string) []string {
	set := map[string]bool{}
	for _, v := range values {
		set[strings.TrimSpace(v)] = true
	}
	res := make([]string, 0, len(set))
	for v := range set {
		res = append(res, v)
	}
	sort.Strings(res)
	return res
}

// idFragment makes a CIDR usable in a construct id: 10.0.0.0/8 -> 10-0-0-0-8.
func idFragment(cidr string) string {
	return strings.NewReplacer(".", "-", "/", "-", ":", "-").Replace(cidr)
}
