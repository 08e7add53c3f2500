package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// Build adds every stack of every environment of cfg to scope. Each
// environment is built layer by layer so that what a party publishes
// (provider layer) is known before its peers' consumer layers reference it:
// provider stacks depend on nothing, so cross-stack references never cycle.
func Build(scope constructs.Construct, cfg *config.Config, opts Options) error {
	for _, env := range cfg.Environments {
		buildEnvironment(scope, env, opts)
	}
	return nil
}

// meshBuild is the state of one environment while its stacks are built.
type meshBuild struct {
	env  *config.Environment
	opts Options
	// published is what every party (managed or external) publishes, by party id.
	published map[int]mesh.Peer
	providers map[int]*providerLayer
	consumers map[int]*consumerLayer
	parties   map[int]*partyLayer
}

func buildEnvironment(scope constructs.Construct, env *config.Environment, opts Options) {
	b := &meshBuild{
		env: env, opts: opts,
		published: map[int]mesh.Peer{},
		providers: map[int]*providerLayer{},
		consumers: map[int]*consumerLayer{},
		parties:   map[int]*partyLayer{},
	}
	managed := env.ManagedParties()
	for i := range env.Parties {
		p := &env.Parties[i]
		if p.External != nil {
			b.published[p.ID] = externalPeer(p)
		}
	}
	for _, p := range managed {
		b.providers[p.ID] = b.newProviderStack(scope, p)
		b.published[p.ID] = b.providers[p.ID].peer(p)
	}
	for _, p := range managed {
		b.consumers[p.ID] = b.newConsumerStack(scope, p)
	}
	for _, p := range managed {
		b.parties[p.ID] = b.newPartyStack(scope, p)
	}
	for _, p := range managed {
		b.newClusterStack(scope, p)
	}
}

// peersOf returns what every other party publishes, in file order.
func (b *meshBuild) peersOf(p *config.Party) []mesh.Peer {
	var res []mesh.Peer
	for _, q := range b.env.Peers(p) {
		res = append(res, b.published[q.ID])
	}
	return res
}

// ports returns the environment's MPC ports in the constructs' vocabulary.
func ports(env *config.Environment) []mesh.Port {
	var res []mesh.Port
	for _, p := range env.PortList() {
		res = append(res, mesh.Port{Name: p.Name, Number: p.Number})
	}
	return res
}

// externalPeer describes a party run by another organisation from the
// static values of its external block.
func externalPeer(p *config.Party) mesh.Peer {
	peer := mesh.Peer{ID: p.ID, Name: p.Name, AccountID: p.AccountID, Region: p.Region}
	x := p.External
	for _, ip := range x.Addresses() {
		peer.PublicIPs = append(peer.PublicIPs, jsii.String(ip))
	}
	if x.EndpointServiceName != "" {
		peer.ServiceName = &x.EndpointServiceName
	}
	if len(x.AvailabilityZoneIDs) > 0 {
		ids := make([]*string, len(x.AvailabilityZoneIDs))
		for i := range x.AvailabilityZoneIDs {
			ids[i] = &x.AvailabilityZoneIDs[i]
		}
		peer.AZIDs = &ids
	}
	return peer
}
