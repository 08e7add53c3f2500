package stacks

import (
	"encoding/json"

	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/netcheckjob"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/internal/netcheck"
)

// OutputNetcheckPlan names the consumer-stack output holding the party's
// connectivity probe plan (onboarding step 3): `make netcheck-probe` reads it.
const OutputNetcheckPlan = "netcheck_plan"

// netcheckPlan is what party p must reach: every published address of every
// peer (Elastic IPs, possibly cross-stack tokens) or its mpc-node-<id>
// service, on every MPC port. published lists p's peers in file order.
func netcheckPlan(env *config.Environment, p *config.Party, published []mesh.Peer) netcheck.Plan {
	var peers []netcheck.Peer
	for _, q := range published {
		peer := netcheck.Peer{PartyID: q.ID, Name: q.Name}
		for _, ip := range q.PublicIPs {
			peer.PublicIPs = append(peer.PublicIPs, *ip)
		}
		peers = append(peers, peer)
	}
	var ports []netcheck.Port
	for _, port := range env.PortList() {
		ports = append(ports, netcheck.Port{Name: port.Name, Port: port.Number})
	}
	return netcheck.NewPlan(netcheck.Identity{PartyID: p.ID, Environment: env.Name}, netcheck.Strategy(env.Strategy), ports, peers)
}

// addNetcheckPlanOutput publishes the plan from the consumer stack, which
// already references every peer's published address.
func addNetcheckPlanOutput(s *Base, env *config.Environment, p *config.Party, peers []mesh.Peer) {
	plan, err := json.Marshal(netcheckPlan(env, p, peers))
	if err != nil {
		panic(err)
	}
	output(s.Stack, OutputNetcheckPlan, jsii.String(string(plan)), "Connectivity probe plan for mpc-netcheck probe --targets (onboarding step 3)")
}

// addNetcheckJob runs the probe in the cluster on the enclave node pool when
// the party's config enables it.
func addNetcheckJob(s *Base, env *config.Environment, p *config.Party, peers []mesh.Peer, namespace *string, selector map[string]string, tolerations []nodegroup.Toleration) {
	if !p.Managed.NetCheck.Enabled {
		return
	}
	netcheckjob.New(s.Stack, "netcheck", &netcheckjob.Props{
		Namespace:    namespace,
		Image:        p.Managed.NetCheck.Image,
		Plan:         netcheckPlan(env, p, peers),
		NodeSelector: selector,
		Tolerations:  tolerations,
	})
}
