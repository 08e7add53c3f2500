package vault_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/vault"
)

// ExampleNew creates party alice's private and public vault buckets, readable
// by her IRSA role.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	v := vault.New(stack, "vault", &vault.Props{
		PrivateBucketName: "mpc-dev-alice-111122223333-private",
		PublicBucketName:  "mpc-dev-alice-111122223333-public",
		ReaderRoleARNs:    jsii.Strings("arn:aws:iam::111122223333:role/mpc-dev-alice-party"),
		Region:            jsii.String("eu-west-1"),
		AccountID:         jsii.String("111122223333"),
	})
	_ = v.PublicBucketName // the ConfigMap's public bucket
}
