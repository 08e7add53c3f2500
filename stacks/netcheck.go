package stacks

import (
	"encoding/json"

	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/netcheckjob"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/internal/netcheck"
)

// OutputNetcheckPlan names the consumer-stack output holding the party's
// connectivity probe plan (onboarding step 3): `make netcheck-probe` reads it.
const OutputNetcheckPlan = "netcheck_plan"

// netcheckPlan is what party p must reach: every published address of every
// peer (Elastic IPs, possibly cross-stack tokens) or its mpc-node-<id>
// service, on every MPC port.
func (b *meshBuild) netcheckPlan(p *config.Party) netcheck.Plan {
	var peers []netcheck.Peer
	for _, q := range b.env.Peers(p) {
		peer := netcheck.Peer{PartyID: q.ID, Name: q.Name}
		for _, ip := range b.published[q.ID].PublicIPs {
			peer.PublicIPs = append(peer.PublicIPs, *ip)
		}
		peers = append(peers, peer)
	}
	var ports []netcheck.Port
	for _, port := range b.env.PortList() {
		ports = append(ports, netcheck.Port{Name: port.Name, Port: port.Number})
	}
	return netcheck.NewPlan(netcheck.Identity{PartyID: p.ID, Environment: b.env.Name}, netcheck.Strategy(b.env.Strategy), ports, peers)
}

// addNetcheckPlanOutput publishes the plan from the consumer stack, which
// already references every peer's published address.
func (b *meshBuild) addNetcheckPlanOutput(s *Base, p *config.Party) {
	plan, err := json.Marshal(b.netcheckPlan(p))
	if err != nil {
		panic(err)
	}
	output(s.Stack, OutputNetcheckPlan, jsii.String(string(plan)), "Connectivity probe plan for mpc-netcheck probe --targets (onboarding step 3)")
}

// addNetcheckJob runs the probe in the cluster on the enclave node pool when
// the party's config enables it.
func (b *meshBuild) addNetcheckJob(s *Base, p *config.Party, namespace *string, selector map[string]string, tolerations []nodegroup.Toleration) {
	if !p.Managed.NetCheck.Enabled {
		return
	}
	netcheckjob.New(s.Stack, "netcheck", &netcheckjob.Props{
		Namespace:    namespace,
		Image:        p.Managed.NetCheck.Image,
		Plan:         b.netcheckPlan(p),
		NodeSelector: selector,
		Tolerations:  tolerations,
	})
}
