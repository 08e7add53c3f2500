package stacks

import (
	"fmt"
	"slices"
	"sort"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/elasticip"
	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// ProviderOutputs is what a party publishes: its Elastic IPs (KubeIP) or its
// NLB endpoint service (PrivateLink), and how the other parties see it.
type ProviderOutputs struct {
	// EIPs are the party's Elastic IPs (KubeIP), nil otherwise.
	EIPs *elasticip.ElasticIPs
	// Endpoint is the party's endpoint service (PrivateLink), nil otherwise.
	Endpoint *vpcendpointprovider.Provider
	// Peer is the party as its peers see it: tokens that resolve through
	// cross-stack references to this provider stack.
	Peer mesh.Peer
}

// NewProviderStack builds a party's provider stack: what it publishes. It
// reads nothing from other stacks.
func NewProviderStack(scope constructs.Construct, layer Layer) (*ProviderOutputs, error) {
	env, p := layer.Env, layer.Party
	s := NewBase(scope, env, p, config.LayerProvider, layer.Opts)
	l := &ProviderOutputs{}
	err := build(s.Name, func() { l.build(s, env, p) })
	l.Peer = mesh.Peer{ID: p.ID, Name: p.Name, AccountID: p.AccountID, Region: p.Region}
	if l.EIPs != nil {
		l.Peer.PublicIPs = l.EIPs.PublicIPs
	}
	if l.Endpoint != nil {
		l.Peer.ServiceName = l.Endpoint.ServiceName
		l.Peer.AZIDs = l.Endpoint.AZIDs
	}
	return l, err
}

func (l *ProviderOutputs) build(s *Base, env *config.Environment, p *config.Party) {
	names := env.Names(p)
	// Where the party publishes its CA certificate, for make peers-export.
	output(s.Stack, config.OutputPublicVaultBucket, jsii.String(names.PublicBucket), "Public vault bucket (created by the party stack) where peers fetch this party's CA certificate")
	output(s.Stack, config.OutputPublicVaultRegion, jsii.String(p.Region), "Region of the public vault bucket")
	switch env.Strategy {
	case config.KubeIP:
		l.EIPs = elasticip.New(s.Stack, "eip", &elasticip.Props{
			Name:        names.EIP,
			Count:       p.Managed.KubeIP.Addresses,
			Environment: env.Name,
			PartyID:     p.ID,
		})
		cdktf.NewTerraformOutput(s.Stack, jsii.String(config.OutputPublicIPs), &cdktf.TerraformOutputConfig{
			Value:       l.EIPs.PublicIPs,
			Description: jsii.String("Elastic IPs that peers admit and connect to, every one (give them to other organisations with make peers-export)"),
		})
	case config.PrivateLink:
		c := s.lookupCluster()
		l.Endpoint = vpcendpointprovider.New(s.Stack, "endpoint-service", &vpcendpointprovider.Props{
			PartyID:                   p.ID,
			NamePrefix:                names.LoadBalancer,
			VpcID:                     c.VpcID,
			VpcCIDR:                   jsii.String(p.Managed.PrivateLink.VPCCIDR),
			SubnetIDs:                 s.subnets(c, false),
			Ports:                     ports(env),
			AllowedPrincipals:         peerPrincipals(env, p),
			SupportedRegions:          peerRegions(env, p),
			AcceptanceRequired:        p.Managed.PrivateLink.AcceptanceRequired,
			DisableDeletionProtection: !s.Opts.protected(p, *p.Managed.PrivateLink.DeletionProtection),
		})
		output(s.Stack, config.OutputEndpointServiceName, l.Endpoint.ServiceName, "VPC endpoint service name peers create interface endpoints to")
		cdktf.NewTerraformOutput(s.Stack, jsii.String(config.OutputAvailabilityZoneIDs), &cdktf.TerraformOutputConfig{
			Value:       l.Endpoint.AZIDs,
			Description: jsii.String("Availability-zone ids of the NLB; same-region peers put their endpoints in these zones"),
		})
	}
}

// peerPrincipals are the account roots of every other party, deduplicated
// and sorted: exactly the accounts allowed to connect to the endpoint service.
func peerPrincipals(env *config.Environment, p *config.Party) []string {
	var res []string
	for _, q := range env.Peers(p) {
		arn := fmt.Sprintf("arn:aws:iam::%s:root", q.AccountID)
		if !slices.Contains(res, arn) {
			res = append(res, arn)
		}
	}
	sort.Strings(res)
	return res
}

// peerRegions are the other parties' regions that differ from p's own: the
// regions the endpoint service must support for cross-region PrivateLink.
func peerRegions(env *config.Environment, p *config.Party) []string {
	var res []string
	for _, q := range env.Peers(p) {
		if q.Region != p.Region && !slices.Contains(res, q.Region) {
			res = append(res, q.Region)
		}
	}
	sort.Strings(res)
	return res
}

func output(s cdktf.TerraformStack, name string, value *string, description string) {
	cdktf.NewTerraformOutput(s, jsii.String(name), &cdktf.TerraformOutputConfig{
		Value:       value,
		Description: jsii.String(description),
	})
}
