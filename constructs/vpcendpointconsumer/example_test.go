package vpcendpointconsumer_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/vpcendpointconsumer"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// ExampleNew reaches a same-region peer and a cross-region peer through
// interface endpoints to their endpoint services.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-consumer"))
	consumer := vpcendpointconsumer.New(stack, "endpoints", &vpcendpointconsumer.Props{
		Region:                 "eu-west-1",
		VpcID:                  jsii.String("vpc-0123456789abcdef0"),
		SubnetIDs:              jsii.Strings("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"),
		ClusterSecurityGroupID: jsii.String("sg-0123456789abcdef0"),
		Peers: []mesh.Peer{
			{ID: 2, Region: "eu-west-1", ServiceName: jsii.String("com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0")},
			{ID: 4, Region: "eu-west-3", ServiceName: jsii.String("com.amazonaws.vpce.eu-west-3.vpce-svc-0123456789abcdef1")},
		},
	})
	_ = consumer.DNSNames() // targets of NewExternalNames in the cluster stack
}

// ExampleNewExternalNames names the endpoints mpc-node-2 and mpc-node-4
// inside the cluster.
func ExampleNewExternalNames() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	vpcendpointconsumer.NewExternalNames(stack, "peer-services", &vpcendpointconsumer.ServicesProps{
		Namespace: "kms-decentralized",
		Peers:     []mesh.Peer{{ID: 2}, {ID: 4}},
		DNSNames: map[int]*string{
			2: jsii.String("vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.eu-west-1.vpce.amazonaws.com"),
			4: jsii.String("vpce-0123456789abcdef1-abcdefgh.vpce-svc-0123456789abcdef1.eu-west-3.vpce.amazonaws.com"),
		},
	})
}
