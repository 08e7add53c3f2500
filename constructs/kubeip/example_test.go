package kubeip_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/elasticip"
	"github.com/mpc-mesh/infra/constructs/kubeip"
)

// ExampleNew deploys the agent that binds party 1's Elastic IP to its
// enclave node; the role comes from NewRole in the party stack.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	kubeip.New(stack, "kubeip", &kubeip.Props{
		ServiceAccount: "kubeip-agent",
		RoleARN:        jsii.String("arn:aws:iam::111122223333:role/mpc-dev-alice-kubeip"),
		FilterTags:     elasticip.DiscoveryTags("dev", 1),
	})
}

// ExampleNewRole creates the IRSA role of the agent, allowed to associate
// only party 1's addresses of environment dev.
func ExampleNewRole() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	role := kubeip.NewRole(stack, "kubeip-role", &kubeip.RoleProps{
		RoleName:        "mpc-dev-alice-kubeip",
		OIDCProviderARN: jsii.String("arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"),
		OIDCIssuer:      jsii.String("https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"),
		Namespace:       "kube-system",
		ServiceAccount:  "kubeip-agent",
		Environment:     "dev",
		PartyID:         1,
		Partition:       jsii.String("aws"),
		Region:          jsii.String("eu-west-1"),
		AccountID:       jsii.String("111122223333"),
	})
	_ = role.ARN // Props.RoleARN of New
}
