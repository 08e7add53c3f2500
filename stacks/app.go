package stacks

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// Build adds every stack of every environment of cfg to scope and returns
// the first error, naming the stack that failed.
func Build(scope constructs.Construct, cfg *config.Config, opts Options) error {
	for _, env := range cfg.Environments {
		if err := buildEnvironment(scope, env, opts); err != nil {
			return err
		}
	}
	return nil
}

// buildEnvironment builds an environment layer by layer, each layer a
// function of what the layers before it output: what every party publishes
// (provider stacks, which depend on nothing, so cross-stack references
// never cycle), how each party reaches and admits its peers (consumer
// stacks), its own infrastructure (party stacks), then what runs in its
// cluster (cluster stacks).
func buildEnvironment(scope constructs.Construct, env *config.Environment, opts Options) error {
	managed := env.ManagedParties()
	published := map[int]mesh.Peer{}
	for i := range env.Parties {
		if p := &env.Parties[i]; p.External != nil {
			published[p.ID] = externalPeer(p)
		}
	}
	providers := map[int]*ProviderOutputs{}
	for _, p := range managed {
		out, err := NewProviderStack(scope, Layer{env, p, opts})
		if err != nil {
			return err
		}
		providers[p.ID], published[p.ID] = out, out.Peer
	}
	consumers := map[int]*ConsumerOutputs{}
	for _, p := range managed {
		out, err := NewConsumerStack(scope, Layer{env, p, opts}, ConsumerVariables{Peers: peersOf(env, p, published)})
		if err != nil {
			return err
		}
		consumers[p.ID] = out
	}
	parties := map[int]*PartyOutputs{}
	for _, p := range managed {
		out, err := NewPartyStack(scope, Layer{env, p, opts}, PartyVariables{
			Firewall:        consumers[p.ID].Firewall,
			Provider:        providers[p.ID],
			PeerEndpointIDs: endpointsTo(p, env, consumers),
		})
		if err != nil {
			return err
		}
		parties[p.ID] = out
		// Peers read a managed party's public vault from its party stack,
		// where the bucket is, through a cross-stack reference.
		peer := published[p.ID]
		peer.PublicVault, peer.PublicVaultRegion = out.Vault.PublicBucketName, p.Region
		published[p.ID] = peer
	}
	for _, p := range managed {
		err := NewClusterStack(scope, Layer{env, p, opts}, ClusterVariables{
			Party:     parties[p.ID],
			Provider:  providers[p.ID],
			Consumer:  consumers[p.ID],
			Published: published,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Layer is what every layer's stack is built from: the environment, the
// managed party and the run-wide options.
type Layer struct {
	Env   *config.Environment
	Party *config.Party
	Opts  Options
}

// endpointsTo returns, by peer id, the ids of the interface endpoints that
// p's managed peers created to p's endpoint service.
func endpointsTo(p *config.Party, env *config.Environment, consumers map[int]*ConsumerOutputs) map[int]*string {
	ids := map[int]*string{}
	for _, q := range env.Peers(p) {
		if c, ok := consumers[q.ID]; ok && c.Endpoints != nil {
			ids[q.ID] = c.Endpoints.Endpoints[p.ID].ID
		}
	}
	return ids
}

// peersOf returns what every other party publishes, in file order.
func peersOf(env *config.Environment, p *config.Party, published map[int]mesh.Peer) []mesh.Peer {
	var res []mesh.Peer
	for _, q := range env.Peers(p) {
		res = append(res, published[q.ID])
	}
	return res
}

// build runs a layer's construction and turns a panic inside it (a
// construct refusing its props, a jsii error) into an error that names the
// stack and the innermost frame of this module that panicked.
func build(stack string, f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("stack %s: %v%s", stack, r, panicSite(string(debug.Stack())))
		}
	}()
	f()
	return nil
}

// panicSite returns " (at file:line)" for the frame of this module closest
// to the panic in a goroutine stack trace, or "" when there is none.
func panicSite(trace string) string {
	lines := strings.Split(trace, "\n")
	start := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "panic(") {
			start = i
			break
		}
	}
	for i := start; i+1 < len(lines); i++ {
		if strings.HasPrefix(lines[i], "github.com/mpc-mesh/infra/") {
			loc := strings.TrimSpace(lines[i+1])
			if j := strings.LastIndex(loc, " +0x"); j > 0 {
				loc = loc[:j]
			}
			return " (at " + loc + ")"
		}
	}
	return ""
}

// ports returns the MPC ports the environment publishes to peers, in the
// constructs' vocabulary.
func ports(env *config.Environment) []mesh.Port { return meshPorts(env.PortList()) }

// meshPorts converts config ports to the constructs' vocabulary.
func meshPorts(list []config.NamedPort) []mesh.Port {
	var res []mesh.Port
	for _, p := range list {
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
	if v := x.PublicVault; v != nil {
		peer.PublicVault, peer.PublicVaultRegion = &v.Bucket, v.Region
	}
	return peer
}
