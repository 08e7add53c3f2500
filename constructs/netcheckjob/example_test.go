package netcheckjob_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/netcheckjob"
	"github.com/mpc-mesh/infra/internal/netcheck"
)

// ExampleNew probes, from party 1's enclave node pool, the mpc-node-<id>
// services of two PrivateLink peers on the default ports.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	plan := netcheck.NewPlan(netcheck.Identity{PartyID: 1, Environment: "dev"}, netcheck.PrivateLink, nil,
		[]netcheck.Peer{{PartyID: 2, Name: "bob"}, {PartyID: 3, Name: "carol"}})
	netcheckjob.New(stack, "netcheck", &netcheckjob.Props{
		Namespace: jsii.String("kms-decentralized"),
		Image:     "registry.example.com/mpc-netcheck:0.1.0",
		Plan:      plan,
	})
}
