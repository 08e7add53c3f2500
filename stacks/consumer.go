package stacks

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/firewall"
	"github.com/mpc-mesh/infra/constructs/vpcendpointconsumer"
)

// consumerLayer is how a party reaches and admits its peers: the KubeIP
// firewall, or one interface endpoint per peer.
type consumerLayer struct {
	firewall  *firewall.Firewall
	endpoints *vpcendpointconsumer.Consumer
}

func (b *meshBuild) newConsumerStack(scope constructs.Construct, p *config.Party) *consumerLayer {
	s := NewBase(scope, b.env, p, config.LayerConsumer, b.opts)
	names := b.env.Names(p)
	c := s.lookupCluster()
	l := &consumerLayer{}
	switch b.env.Strategy {
	case config.KubeIP:
		l.firewall = firewall.New(s.Stack, "firewall", &firewall.Props{
			Name:                  names.FirewallSG,
			Description:           fmt.Sprintf("MPC enclave nodes of %s in %s: admits exactly the peers' Elastic IPs on the MPC ports", p.Name, b.env.Name),
			VpcID:                 c.VpcID,
			Ports:                 ports(b.env),
			Peers:                 b.peersOf(p),
			ExtraCIDRs:            p.Managed.Firewall.ExtraCIDRs,
			ExtraSecurityGroupIDs: p.Managed.Firewall.ExtraSecurityGroups,
		})
	case config.PrivateLink:
		var zone *string
		if z := p.Managed.PrivateLink.Route53ZoneID; z != "" {
			zone = jsii.String(z)
		}
		l.endpoints = vpcendpointconsumer.New(s.Stack, "endpoints", &vpcendpointconsumer.Props{
			Region:                 p.Region,
			VpcID:                  c.VpcID,
			SubnetIDs:              s.subnets(c, false),
			ClusterSecurityGroupID: c.ClusterSecurityGroupID,
			Ports:                  ports(b.env),
			Peers:                  b.peersOf(p),
			NamePrefix:             fmt.Sprintf("mpc-%s-%s", b.env.Name, p.Name),
			SecurityGroupName:      names.EndpointSG,
			Route53ZoneID:          zone,
			DNSDomain:              p.Managed.PrivateLink.DNSDomain,
		})
	}
	b.addNetcheckPlanOutput(s, p)
	return l
}
