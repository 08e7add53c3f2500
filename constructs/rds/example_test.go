package rds_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/rds"
)

// ExampleNew creates the connector database, reachable from the cluster
// security group only, with the default engine, class and parameters.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-carol-party"))
	db := rds.New(stack, "connector-db", &rds.Props{
		Identifier:            "dev-carol-kmsconnector",
		SubnetIDs:             jsii.Strings("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"),
		VpcID:                 jsii.String("vpc-0123456789abcdef0"),
		SourceSecurityGroupID: jsii.String("sg-0123456789abcdef0"),
	})
	_ = db.EndpointAddress // the kms-connector's database host
}
