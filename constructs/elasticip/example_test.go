package elasticip_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/elasticip"
)

// ExampleNew allocates the Elastic IP party 1 of environment dev publishes.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-provider"))
	eips := elasticip.New(stack, "eip", &elasticip.Props{
		Name:        "mpc-dev-alice-eip",
		Environment: "dev",
		PartyID:     1,
	})
	_ = eips.PublicIPs // what the peers admit and connect to, every one
}
