package deviceplugin_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/deviceplugin"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
)

// ExampleNew runs the Nitro Enclaves device plugin on the PrivateLink
// enclave node pool.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	deviceplugin.New(stack, "nitro-device-plugin", &deviceplugin.Props{
		NodeSelector: nodegroup.PrivateLinkLabels(),
		Tolerations:  nodegroup.Tolerations(nodegroup.PrivateLinkTaints()),
	})
}
