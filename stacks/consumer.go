package stacks

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/firewall"
	"github.com/mpc-mesh/infra/constructs/vpcendpointconsumer"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// ConsumerVariables is what a consumer stack reads from the rest of the mesh.
type ConsumerVariables struct {
	// Peers are what every other party publishes, in file order.
	Peers []mesh.Peer
}

// ConsumerOutputs is how a party reaches and admits its peers: the KubeIP
// firewall, or one interface endpoint per peer.
type ConsumerOutputs struct {
	// Firewall is the enclave nodes' firewall (KubeIP), nil otherwise.
	Firewall *firewall.Firewall
	// Endpoints are the interface endpoints to the peers (PrivateLink), nil otherwise.
	Endpoints *vpcendpointconsumer.Consumer
}

// NewConsumerStack builds a party's consumer stack: how it reaches and
// admits its peers, and the connectivity probe plan.
func NewConsumerStack(scope constructs.Construct, layer Layer, vars ConsumerVariables) (*ConsumerOutputs, error) {
	s := NewBase(scope, layer.Env, layer.Party, config.LayerConsumer, layer.Opts)
	l := &ConsumerOutputs{}
	return l, build(s.Name, func() { l.build(s, layer.Env, layer.Party, vars) })
}

func (l *ConsumerOutputs) build(s *Base, env *config.Environment, p *config.Party, vars ConsumerVariables) {
	names := env.Names(p)
	c := s.lookupCluster()
	switch env.Strategy {
	case config.KubeIP:
		l.Firewall = firewall.New(s.Stack, "firewall", &firewall.Props{
			Name:                  names.FirewallSG,
			Description:           fmt.Sprintf("MPC enclave nodes of %s in %s: admits exactly the peers' Elastic IPs on the MPC ports", p.Name, env.Name),
			VpcID:                 c.VpcID,
			Ports:                 ports(env),
			Peers:                 vars.Peers,
			ExtraCIDRs:            p.Managed.Firewall.ExtraCIDRs,
			ExtraSecurityGroupIDs: p.Managed.Firewall.ExtraSecurityGroups,
		})
	case config.PrivateLink:
		var zone *string
		if z := p.Managed.PrivateLink.Route53ZoneID; z != "" {
			zone = jsii.String(z)
		}
		l.Endpoints = vpcendpointconsumer.New(s.Stack, "endpoints", &vpcendpointconsumer.Props{
			Region:                 p.Region,
			VpcID:                  c.VpcID,
			SubnetIDs:              s.subnets(c, false),
			ClusterSecurityGroupID: c.ClusterSecurityGroupID,
			Ports:                  ports(env),
			Peers:                  vars.Peers,
			NamePrefix:             fmt.Sprintf("mpc-%s-%s", env.Name, p.Name),
			SecurityGroupName:      names.EndpointSG,
			Route53ZoneID:          zone,
			DNSDomain:              p.Managed.PrivateLink.DNSDomain,
		})
	}
	addNetcheckPlanOutput(s, env, p, vars.Peers)
}
