package firewall_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/firewall"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// ExampleNew admits two peers' Elastic IPs on the default MPC ports; carol
// publishes two addresses, both admitted and reached.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-consumer"))
	fw := firewall.New(stack, "firewall", &firewall.Props{
		Name:  "mpc-dev-alice-enclave-firewall",
		VpcID: jsii.String("vpc-0123456789abcdef0"),
		Peers: []mesh.Peer{
			{ID: 2, Name: "bob", PublicIPs: []*string{jsii.String("203.0.113.20")}},
			{ID: 3, Name: "carol", PublicIPs: []*string{jsii.String("203.0.113.30"), jsii.String("203.0.113.31")}},
		},
	})
	_ = fw.SecurityGroupID // attach it to the enclave node group
}
