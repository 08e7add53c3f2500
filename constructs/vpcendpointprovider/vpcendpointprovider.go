// Package vpcendpointprovider publishes one MPC party to its peers through AWS
// PrivateLink (PrivateLink strategy, "provider" side).
//
// New (AWS, provider stack) creates an internal Network Load Balancer owned by
// Terraform, one IP target group and one TCP listener per MPC port, a security
// group for the NLB and a VPC endpoint service on it that only the peers'
// accounts may connect to. NewAccepter (AWS, party stack) accepts the peers'
// endpoint connections when the service requires acceptance.
// NewClusterBinding (Kubernetes, cluster stack) creates the ClusterIP Service
// mpc-node-<id> in front of the kms-core pods and one TargetGroupBinding per
// port that registers those pods' IPs in the NLB's target groups.
//
// Prerequisite: the AWS Load Balancer Controller must be installed in the
// cluster; it owns the TargetGroupBinding custom resource
// (elbv2.k8s.aws/v1beta1) and keeps the target groups in step with the pods.
//
// Why Terraform owns the NLB: a design where the controller creates the NLB
// from a LoadBalancer Service has to recover the NLB's name by parsing the
// Service's ingress hostname (which depends on the controller's naming
// scheme), and to wait for it with an `external` data source that runs the
// AWS CLI with ambient credentials on every plan. Here Terraform creates and
// names the NLB itself, so its ARN is an ordinary resource attribute: there is
// no hostname parsing, no shell-out, no second set of credentials, and no race
// between the Kubernetes layer and the AWS layer. The controller only
// registers pod IPs into target groups that already exist.
package vpcendpointprovider

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawssubnet"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lb"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lblistener"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/lbtargetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcendpointservice"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupegressrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/internal/mesh"
)

// MaxAWSNameLen is the longest name AWS accepts for a load balancer or a
// target group.
const MaxAWSNameLen = 32

// NLBNameSuffix is appended to Props.NamePrefix to name the NLB.
const NLBNameSuffix = "-nlb"

// MaxNamePrefixLen is the longest NamePrefix that is used untruncated with the
// default port names (the longest derived name is "<prefix>-metrics"). The
// config layer should reject longer prefixes; New truncates them rather than
// fail, which keeps names unique within one party but may collide across
// parties whose prefixes only differ after this length.
const MaxNamePrefixLen = MaxAWSNameLen - len("-metrics")

// Props configures the published side of one party.
type Props struct {
	// PartyID is the party's numeric id. Names the endpoint service
	// (mpc-node-<id>-endpoint-service). Required.
	PartyID int
	// NamePrefix starts the NLB name (<prefix>-nlb) and the target group names
	// (<prefix>-<port name>), for example "dev-p1". AWS limits both to 32
	// characters: keep it at most MaxNamePrefixLen characters; a longer prefix
	// is truncated. Required.
	NamePrefix string
	// VpcID is the party's VPC. Required; usually a token.
	VpcID *string
	// VpcCIDR is the party's VPC CIDR block: the only source the NLB security
	// group admits on the MPC ports, and the only destination it may send to
	// (targets and health checks). Required; may be a token.
	VpcCIDR *string
	// SubnetIDs are the party's private subnets, where the NLB places one node
	// per subnet. Required; usually a token list.
	SubnetIDs *[]*string
	// Ports are the MPC ports published through the NLB, one target group and
	// listener each. Default: mesh.PublishedPorts.
	Ports []mesh.Port
	// DisableDeletionProtection turns off the NLB's deletion protection.
	// Default false: the NLB is protected, as peers' endpoints depend on it.
	DisableDeletionProtection bool
	// AllowedPrincipals are the IAM principals allowed to connect endpoints to
	// the service, usually "arn:aws:iam::<peer account>:root" of every other
	// party. Passed through unchanged. Default: none (nobody can connect).
	AllowedPrincipals []string
	// SupportedRegions are the peers' regions that differ from this party's
	// own region (cross-region PrivateLink). Passed through unchanged.
	// Default: none (same-region consumers only).
	SupportedRegions []string
	// AcceptanceRequired makes every endpoint connection wait for acceptance
	// (see NewAccepter). Default false: allowed principals connect at once.
	AcceptanceRequired bool
}

// Provider is the published side of one party.
type Provider struct {
	// NLB is the internal Network Load Balancer.
	NLB lb.Lb
	// Service is the VPC endpoint service on the NLB.
	Service vpcendpointservice.VpcEndpointService
	// ServiceName is the AWS-generated endpoint service name
	// (com.amazonaws.vpce.<region>.vpce-svc-...), the value peers connect to.
	ServiceName *string
	// ServiceID is the endpoint service id (vpce-svc-...), for NewAccepter.
	ServiceID *string
	// NLBArn is the ARN of the NLB.
	NLBArn *string
	// SecurityGroupID is the NLB's security group, which the
	// TargetGroupBindings admit into the pods (NewClusterBinding).
	SecurityGroupID *string
	// TargetGroupARNs are the target group ARNs keyed by port name.
	TargetGroupARNs map[string]*string
	// AZIDs are the availability-zone ids (not names) of the NLB subnets; peers
	// in the same region restrict their endpoints to these zones.
	AZIDs *[]*string
}

// EndpointServiceName is the Name tag of a party's endpoint service.
func EndpointServiceName(partyID int) string {
	return mesh.ServiceName(partyID) + "-endpoint-service"
}

// AWSName joins a prefix and a suffix into a load balancer or target group
// name, truncating the prefix so the result fits MaxAWSNameLen; the suffix is
// kept whole so names derived from one prefix stay distinct. Hyphens left at
// the end of a truncated prefix are dropped (a prefix that itself ends in "-"
// is the config layer's to reject).
func AWSName(prefix, suffix string) string {
	if keep := MaxAWSNameLen - len(suffix); len(prefix) > keep {
		prefix = prefix[:max(keep, 0)]
		for len(prefix) > 0 && prefix[len(prefix)-1] == '-' {
			prefix = prefix[:len(prefix)-1]
		}
	}
	return prefix + suffix
}

// portsOrDefault returns ports, or mesh.PublishedPorts when none are given.
func portsOrDefault(ports []mesh.Port) []mesh.Port {
	if len(ports) == 0 {
		return mesh.PublishedPorts
	}
	return ports
}

// optionalStrings leaves an empty list unset rather than writing [].
func optionalStrings(list []string) *[]*string {
	if len(list) == 0 {
		return nil
	}
	return jsii.Strings(list...)
}

// New creates the NLB, its security group, target groups, listeners, the
// endpoint service and the AZ-id lookup of the NLB subnets.
func New(scope constructs.Construct, id string, props *Props) *Provider {
	c := constructs.NewConstruct(scope, jsii.String(id))
	ports := portsOrDefault(props.Ports)
	node := mesh.ServiceName(props.PartyID)

	sg := securitygroup.NewSecurityGroup(c, jsii.String("nlb-sg"), &securitygroup.SecurityGroupConfig{
		Name:        jsii.String(AWSName(props.NamePrefix, NLBNameSuffix)),
		Description: jsii.String("NLB of " + node + ": MPC ports from the VPC only"),
		VpcId:       props.VpcID,
		Tags:        &map[string]*string{"Name": jsii.String(AWSName(props.NamePrefix, NLBNameSuffix))},
	})
	// Every getter is a round trip to the jsii runtime: ids and ARNs are read once.
	sgID := sg.Id()
	for _, p := range ports {
		vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(c, jsii.String("ingress-"+p.Name), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
			SecurityGroupId: sgID,
			Description:     jsii.String("MPC " + p.Name + " from the VPC"),
			IpProtocol:      jsii.String("tcp"),
			FromPort:        jsii.Number(float64(p.Number)),
			ToPort:          jsii.Number(float64(p.Number)),
			CidrIpv4:        props.VpcCIDR,
		})
		// The NLB only talks to pod IPs inside the VPC: traffic and TCP health
		// checks go to the same port ("traffic-port").
		vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(c, jsii.String("egress-"+p.Name), &vpcsecuritygroupegressrule.VpcSecurityGroupEgressRuleConfig{
			SecurityGroupId: sgID,
			Description:     jsii.String("MPC " + p.Name + " and its health check to the pods"),
			IpProtocol:      jsii.String("tcp"),
			FromPort:        jsii.Number(float64(p.Number)),
			ToPort:          jsii.Number(float64(p.Number)),
			CidrIpv4:        props.VpcCIDR,
		})
	}

	nlb := lb.NewLb(c, jsii.String("nlb"), &lb.LbConfig{
		Name:                         jsii.String(AWSName(props.NamePrefix, NLBNameSuffix)),
		LoadBalancerType:             jsii.String("network"),
		Internal:                     jsii.Bool(true),
		Subnets:                      props.SubnetIDs,
		SecurityGroups:               &[]*string{sgID},
		EnableCrossZoneLoadBalancing: jsii.Bool(true),
		EnableDeletionProtection:     jsii.Bool(!props.DisableDeletionProtection),
		// With "on", AWS evaluates the inbound rules against the private IPs of
		// the peers' clients, which live in other VPCs (other accounts, maybe
		// overlapping CIDRs) and would be dropped by the VPC-CIDR rule above.
		// Who may reach the NLB through PrivateLink is decided by the endpoint
		// service's allowed principals and the peers' endpoint security groups;
		// the inbound rules keep guarding traffic from inside this VPC.
		EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: jsii.String("off"),
		Tags: &map[string]*string{"Name": jsii.String(AWSName(props.NamePrefix, NLBNameSuffix))},
	})

	nlbARN := nlb.Arn()
	tgARNs := make(map[string]*string, len(ports))
	for _, p := range ports {
		tg := lbtargetgroup.NewLbTargetGroup(c, jsii.String("tg-"+p.Name), &lbtargetgroup.LbTargetGroupConfig{
			Name:       jsii.String(AWSName(props.NamePrefix, "-"+p.Name)),
			TargetType: jsii.String("ip"),
			Protocol:   jsii.String("TCP"),
			Port:       jsii.Number(float64(p.Number)),
			VpcId:      props.VpcID,
			HealthCheck: &lbtargetgroup.LbTargetGroupHealthCheck{
				Enabled:  jsii.Bool(true),
				Protocol: jsii.String("TCP"),
				Port:     jsii.String("traffic-port"),
			},
			Tags: &map[string]*string{"Name": jsii.String(AWSName(props.NamePrefix, "-"+p.Name))},
		})
		tgARN := tg.Arn()
		lblistener.NewLbListener(c, jsii.String("listener-"+p.Name), &lblistener.LbListenerConfig{
			LoadBalancerArn: nlbARN,
			Protocol:        jsii.String("TCP"),
			Port:            jsii.Number(float64(p.Number)),
			DefaultAction: &[]*lblistener.LbListenerDefaultAction{{
				Type:           jsii.String("forward"),
				TargetGroupArn: tgARN,
			}},
		})
		tgARNs[p.Name] = tgARN
	}

	svc := vpcendpointservice.NewVpcEndpointService(c, jsii.String("endpoint-service"), &vpcendpointservice.VpcEndpointServiceConfig{
		NetworkLoadBalancerArns: &[]*string{nlbARN},
		AcceptanceRequired:      jsii.Bool(props.AcceptanceRequired),
		AllowedPrincipals:       optionalStrings(props.AllowedPrincipals),
		SupportedRegions:        optionalStrings(props.SupportedRegions),
		Tags:                    &map[string]*string{"Name": jsii.String(EndpointServiceName(props.PartyID))},
	})

	// AZ ids of the NLB subnets: one data.aws_subnet per subnet, then a for
	// expression over them. AZ ids (euw1-az1) name the same physical zone in
	// every account, unlike AZ names.
	each := cdktf.TerraformIterator_FromList(props.SubnetIDs)
	subnets := dataawssubnet.NewDataAwsSubnet(c, jsii.String("nlb-subnet"), &dataawssubnet.DataAwsSubnetConfig{
		ForEach: each,
		Id:      cdktf.Token_AsString(each.Value(), nil),
	})
	// The expression lives in a local: a peer's stack that references the
	// ids then gets them through a cross-stack output holding the list
	// alone. Referenced directly, the for expression makes cdktf export the
	// whole data.aws_subnet map, whose available_ip_address_count changes
	// whenever anything takes an address in those subnets (the peers' own
	// endpoints, nodes), so this stack's plan never settled.
	azIDs := cdktf.NewTerraformLocal(c, jsii.String("nlb-az-ids"),
		cdktf.TerraformIterator_FromDataSources(subnets).PluckProperty(jsii.String("availability_zone_id"))).AsList()

	return &Provider{
		NLB:             nlb,
		Service:         svc,
		ServiceName:     svc.ServiceName(),
		ServiceID:       svc.Id(),
		NLBArn:          nlbARN,
		SecurityGroupID: sgID,
		TargetGroupARNs: tgARNs,
		AZIDs:           azIDs,
	}
}
