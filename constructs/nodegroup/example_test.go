package nodegroup_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/nodegroup"
)

// ExampleNew creates the enclave node group of a PrivateLink party in two
// private subnets, with the default size and instance type.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	nodes := nodegroup.New(stack, "enclave-nodes", &nodegroup.Props{
		ClusterName:                   jsii.String("mpc-alice"),
		NodeGroupName:                 "mpc-dev-alice-enclave",
		NodeRoleName:                  "mpc-dev-alice-node",
		SubnetIDs:                     jsii.Strings("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"),
		ClusterPrimarySecurityGroupID: jsii.String("sg-0123456789abcdef0"),
		Labels:                        nodegroup.PrivateLinkLabels(),
		Taints:                        nodegroup.PrivateLinkTaints(),
	})
	_ = nodes.RoleARN // the node role, for IAM policies that name it
}
