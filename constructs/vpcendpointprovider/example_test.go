package vpcendpointprovider_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
)

// ExampleNew publishes party 1 to peers in two accounts, one of them in
// another region.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-provider"))
	provider := vpcendpointprovider.New(stack, "endpoint-service", &vpcendpointprovider.Props{
		PartyID:           1,
		NamePrefix:        "mpc-dev-p1",
		VpcID:             jsii.String("vpc-0123456789abcdef0"),
		VpcCIDR:           jsii.String("10.1.0.0/16"),
		SubnetIDs:         jsii.Strings("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"),
		AllowedPrincipals: []string{"arn:aws:iam::444455556666:root", "arn:aws:iam::777788889999:root"},
		SupportedRegions:  []string{"eu-west-3"},
	})
	_ = provider.ServiceName // what the peers' interface endpoints connect to
}

// ExampleNewAccepter accepts the endpoint connection of party 2.
func ExampleNewAccepter() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	vpcendpointprovider.NewAccepter(stack, "endpoint-acceptance", &vpcendpointprovider.AccepterProps{
		ServiceID:   jsii.String("vpce-svc-0123456789abcdef0"),
		EndpointIDs: map[int]*string{2: jsii.String("vpce-0123456789abcdef0")},
	})
}

// ExampleNewClusterBinding binds party 1's kms-core pods to the NLB's
// target groups, one per MPC port.
func ExampleNewClusterBinding() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	vpcendpointprovider.NewClusterBinding(stack, "nlb-binding", &vpcendpointprovider.ClusterProps{
		PartyID:   1,
		Namespace: "kms-decentralized",
		TargetGroupARNs: map[string]*string{
			"grpc":    jsii.String("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/mpc-dev-p1-grpc/0123456789abcdef"),
			"peer":    jsii.String("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/mpc-dev-p1-peer/0123456789abcdef"),
			"metrics": jsii.String("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/mpc-dev-p1-metrics/0123456789abcdef"),
		},
		NLBSecurityGroupID: jsii.String("sg-0123456789abcdef0"),
	})
}
