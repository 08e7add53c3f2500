// Package vpcendpointconsumer connects one MPC party to each of its peers
// through AWS PrivateLink (PrivateLink strategy, "consumer" side).
//
// New (AWS, consumer stack) creates one interface VPC endpoint per peer, a
// security group for those endpoints and, optionally, Route53 alias records.
// NewExternalNames (Kubernetes, cluster stack) creates one ExternalName
// Service mpc-node-<peer id> per peer that resolves to the peer's endpoint, so
// that inside the cluster mpc-node-<id> means "party id" for every party.
//
// Everything is keyed by peer party id (construct ids party-<id>), never by
// list position, so adding, removing or skipping one peer cannot attach a
// name, endpoint or DNS record to another peer.
package vpcendpointconsumer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawssubnets"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53record"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcendpoint"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"

	"github.com/mpc-mesh/infra/internal/mesh"
)

// Defaults of Props.
const (
	// DefaultNamePrefix starts the endpoints' Name tags.
	DefaultNamePrefix = "mpc-partner"
	// DefaultSecurityGroupName names the endpoints' security group.
	DefaultSecurityGroupName = "mpc-vpc-endpoint-consumer-sg"
	// DefaultDNSDomain is the domain of the optional Route53 records.
	DefaultDNSDomain = "mpc-partners.local"
)

// Props configures how one party reaches its peers.
type Props struct {
	// Region is this party's own AWS region. A peer in another region is
	// reached cross-region (the endpoint's service_region is set). Required.
	Region string
	// VpcID is the party's VPC. Required; usually a token.
	VpcID *string
	// SubnetIDs are the party's private subnets. A same-region peer's endpoint
	// uses those of them in the peer NLB's availability zones; a cross-region
	// peer's endpoint uses all of them. Required; usually a token list.
	SubnetIDs *[]*string
	// ClusterSecurityGroupID is the EKS cluster security group of the MPC pods:
	// the traffic source the endpoints admit on the MPC ports. Required;
	// usually a token.
	ClusterSecurityGroupID *string
	// AllowedCIDRs are extra IPv4 ranges admitted on the MPC ports (for example
	// pod CIDRs outside the cluster security group). Must not be 0.0.0.0/0.
	// Default: none.
	AllowedCIDRs []string
	// Ports are the MPC ports the endpoints admit. Default: mesh.PublishedPorts.
	Ports []mesh.Port
	// Peers are the parties to reach, one endpoint each. ID and ServiceName
	// are required; Region defaults to this party's Region; AZIDs, when set,
	// restrict a same-region endpoint to those availability-zone ids.
	Peers []mesh.Peer
	// NamePrefix starts each endpoint's Name tag: <prefix>-party-<id>-interface.
	// Default: DefaultNamePrefix.
	NamePrefix string
	// SecurityGroupName names the endpoints' security group.
	// Default: DefaultSecurityGroupName.
	SecurityGroupName string
	// Route53ZoneID is a private hosted zone in which an A alias record
	// party-<id>.<DNSDomain> is created per peer. Default: nil or "" (no records).
	Route53ZoneID *string
	// DNSDomain is the domain of those records. Default: DefaultDNSDomain.
	DNSDomain string
}

// Endpoint is the interface endpoint that leads to one peer.
type Endpoint struct {
	// Resource is the aws_vpc_endpoint.
	Resource vpcendpoint.VpcEndpoint
	// ID is the endpoint id (vpce-...).
	ID *string
	// DNSName is the endpoint's regional DNS name (its first DNS entry), the
	// target of the peer's ExternalName Service.
	DNSName *string
	// HostedZoneID is the hosted zone of that DNS name.
	HostedZoneID *string
}

// Consumer is the reaching side of one party.
type Consumer struct {
	// SecurityGroupID is the security group of all endpoints.
	SecurityGroupID *string
	// Endpoints are the peers' endpoints keyed by peer party id.
	Endpoints map[int]*Endpoint
}

// EndpointIDs returns the endpoint ids keyed by peer party id.
func (c *Consumer) EndpointIDs() map[int]*string {
	return c.pick(func(e *Endpoint) *string { return e.ID })
}

// DNSNames returns the endpoint DNS names keyed by peer party id.
func (c *Consumer) DNSNames() map[int]*string {
	return c.pick(func(e *Endpoint) *string { return e.DNSName })
}

// pick maps every endpoint, keyed by party id, to one of its attributes.
func (c *Consumer) pick(f func(*Endpoint) *string) map[int]*string {
	res := make(map[int]*string, len(c.Endpoints))
	for id, e := range c.Endpoints {
		res[id] = f(e)
	}
	return res
}

// NameTag is the Name tag of the endpoint that leads to a peer.
func NameTag(prefix string, partyID int) string {
	return fmt.Sprintf("%s-party-%d-interface", prefix, partyID)
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// New creates the endpoints' security group and one interface endpoint (and
// optionally one Route53 record) per peer.
func New(scope constructs.Construct, id string, props *Props) *Consumer {
	c := constructs.NewConstruct(scope, jsii.String(id))
	ports := props.Ports
	if len(ports) == 0 {
		ports = mesh.PublishedPorts
	}
	sg := newSecurityGroup(c, props, ports)
	prefix := orDefault(props.NamePrefix, DefaultNamePrefix)
	withDNS := props.Route53ZoneID != nil && *props.Route53ZoneID != ""

	res := &Consumer{SecurityGroupID: sg.Id(), Endpoints: map[int]*Endpoint{}}
	for _, peer := range props.Peers {
		key := peer.Key()
		region := orDefault(peer.Region, props.Region)
		tags := map[string]*string{
			"Name":                jsii.String(NameTag(prefix, peer.ID)),
			"mpc:partner-party":   jsii.String(strconv.Itoa(peer.ID)),
			"mpc:partner-region":  jsii.String(region),
			"mpc:component":       jsii.String("partner-interface"),
			"mpc:partner-account": jsii.String(peer.AccountID),
		}
		if peer.AccountID == "" {
			delete(tags, "mpc:partner-account")
		}
		cfg := &vpcendpoint.VpcEndpointConfig{
			VpcId:             props.VpcID,
			ServiceName:       peer.ServiceName,
			VpcEndpointType:   jsii.String("Interface"),
			SecurityGroupIds:  &[]*string{res.SecurityGroupID},
			PrivateDnsEnabled: jsii.Bool(false),
			SubnetIds:         props.SubnetIDs,
			Tags:              &tags,
		}
		if region != props.Region {
			// Cross-region PrivateLink. The peer's AZ ids belong to another
			// region, so every private subnet is used.
			cfg.ServiceRegion = jsii.String(region)
		} else if peer.AZIDs != nil {
			// Same region: only subnets in the AZs where the peer's NLB has a
			// node, matched by AZ id, which is the same physical zone in every
			// account (AZ names are not).
			subnets := dataawssubnets.NewDataAwsSubnets(c, jsii.String(key+"-subnets"), &dataawssubnets.DataAwsSubnetsConfig{
				Filter: &[]*dataawssubnets.DataAwsSubnetsFilter{
					{Name: jsii.String("subnet-id"), Values: props.SubnetIDs},
					{Name: jsii.String("availability-zone-id"), Values: peer.AZIDs},
				},
			})
			cfg.SubnetIds = subnets.Ids()
		}
		ep := vpcendpoint.NewVpcEndpoint(c, jsii.String(key), cfg)
		entry := ep.DnsEntry().Get(jsii.Number(0))
		out := &Endpoint{Resource: ep, ID: ep.Id(), DNSName: entry.DnsName(), HostedZoneID: entry.HostedZoneId()}
		res.Endpoints[peer.ID] = out

		if withDNS {
			route53record.NewRoute53Record(c, jsii.String(key+"-dns"), &route53record.Route53RecordConfig{
				ZoneId: props.Route53ZoneID,
				Name:   jsii.String(fmt.Sprintf("%s.%s", key, orDefault(props.DNSDomain, DefaultDNSDomain))),
				Type:   jsii.String("A"),
				Alias: &route53record.Route53RecordAlias{
					Name:                 out.DNSName,
					ZoneId:               out.HostedZoneID,
					EvaluateTargetHealth: jsii.Bool(true),
				},
			})
		}
	}
	return res
}

// newSecurityGroup creates the endpoints' security group with standalone
// ingress rules: every MPC port from the cluster security group and from each
// allowed CIDR. It has no egress rule: interface endpoint ENIs only answer
// connections, and security groups are stateful.
func newSecurityGroup(c constructs.Construct, props *Props, ports []mesh.Port) securitygroup.SecurityGroup {
	sg := securitygroup.NewSecurityGroup(c, jsii.String("endpoint-sg"), &securitygroup.SecurityGroupConfig{
		Name:        jsii.String(orDefault(props.SecurityGroupName, DefaultSecurityGroupName)),
		Description: jsii.String("Interface endpoints to the MPC peers: MPC ports from the cluster"),
		VpcId:       props.VpcID,
		Tags:        &map[string]*string{"Name": jsii.String(orDefault(props.SecurityGroupName, DefaultSecurityGroupName))},
	})
	// Every getter is a round trip to the jsii runtime: read the id once.
	sgID := sg.Id()
	for _, p := range ports {
		rule := func(suffix string, cfg *vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig) {
			cfg.SecurityGroupId = sgID
			cfg.IpProtocol = jsii.String("tcp")
			cfg.FromPort = jsii.Number(float64(p.Number))
			cfg.ToPort = jsii.Number(float64(p.Number))
			vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(c, jsii.String("ingress-"+p.Name+"-"+suffix), cfg)
		}
		rule("cluster", &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
			Description:               jsii.String("MPC " + p.Name + " from the cluster security group"),
			ReferencedSecurityGroupId: props.ClusterSecurityGroupID,
		})
		for _, cidr := range props.AllowedCIDRs {
			// Keyed by the CIDR itself, so reordering the list changes nothing.
			rule("cidr-"+strings.ReplaceAll(cidr, "/", "-"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
				Description: jsii.String("MPC " + p.Name + " from " + cidr),
				CidrIpv4:    jsii.String(cidr),
			})
		}
	}
	return sg
}
