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
	"github.com/mpc-mesh/infra/constructs/mesh"
	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
)

// providerLayer is what a party publishes: its Elastic IPs (KubeIP) or its
// NLB endpoint service (PrivateLink).
type providerLayer struct {
	eips     *elasticip.ElasticIPs
	endpoint *vpcendpointprovider.Provider
}

// peer is how the other parties see this party: tokens that resolve through
// cross-stack references to this provider stack.
func (l *providerLayer) peer(p *config.Party) mesh.Peer {
	peer := mesh.Peer{ID: p.ID, Name: p.Name, AccountID: p.AccountID, Region: p.Region}
	if l.eips != nil {
		peer.PublicIP = l.eips.PublicIP
	}
	if l.endpoint != nil {
		peer.ServiceName = l.endpoint.ServiceName
		peer.AZIDs = l.endpoint.AZIDs
	}
	return peer
}

func (b *meshBuild) newProviderStack(scope constructs.Construct, p *config.Party) *providerLayer {
	s := NewBase(scope, b.env, p, config.LayerProvider, b.opts)
	names := b.env.Names(p)
	l := &providerLayer{}
	switch b.env.Strategy {
	case config.KubeIP:
		l.eips = elasticip.New(s.Stack, "eip", &elasticip.Props{
			Name:        names.EIP,
			Count:       p.Managed.KubeIP.Addresses,
			Environment: b.env.Name,
			PartyID:     p.ID,
		})
		output(s.Stack, config.OutputPublicIP, l.eips.PublicIP, "Elastic IP that peers admit and connect to (give it to other organisations with make peers-export)")
	case config.PrivateLink:
		c := s.lookupCluster()
		l.endpoint = vpcendpointprovider.New(s.Stack, "endpoint-service", &vpcendpointprovider.Props{
			PartyID:                   p.ID,
			NamePrefix:                names.LoadBalancer,
			VpcID:                     c.VpcID,
			VpcCIDR:                   jsii.String(p.Managed.PrivateLink.VPCCIDR),
			SubnetIDs:                 s.subnets(c, false),
			Ports:                     ports(b.env),
			AllowedPrincipals:         b.peerPrincipals(p),
			SupportedRegions:          b.peerRegions(p),
			AcceptanceRequired:        p.Managed.PrivateLink.AcceptanceRequired,
			DisableDeletionProtection: !b.opts.protected(p, *p.Managed.PrivateLink.DeletionProtection),
		})
		output(s.Stack, config.OutputEndpointServiceName, l.endpoint.ServiceName, "VPC endpoint service name peers create interface endpoints to")
		cdktf.NewTerraformOutput(s.Stack, jsii.String(config.OutputAvailabilityZoneIDs), &cdktf.TerraformOutputConfig{
			Value:       l.endpoint.AZIDs,
			Description: jsii.String("Availability-zone ids of the NLB; same-region peers put their endpoints in these zones"),
		})
	}
	return l
}

// peerPrincipals are the account roots of every other party, deduplicated
// and sorted: exactly the accounts allowed to connect to the endpoint service.
func (b *meshBuild) peerPrincipals(p *config.Party) []string {
	var res []string
	for _, q := range b.env.Peers(p) {
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
func (b *meshBuild) peerRegions(p *config.Party) []string {
	var res []string
	for _, q := range b.env.Peers(p) {
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
