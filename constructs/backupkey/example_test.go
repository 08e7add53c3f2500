package backupkey_test

import (
	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	"github.com/mpc-mesh/infra/constructs/backupkey"
)

// ExampleNew creates alice's backup key in eu-west-1 with its replica in
// eu-west-3; only her IRSA role may decrypt with either, and only from an
// enclave running the measured image.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	replica := awsprovider.NewAwsProvider(stack, jsii.String("aws-replica"), &awsprovider.AwsProviderConfig{
		Region: jsii.String("eu-west-3"),
		Alias:  jsii.String("replica"),
	})
	key := backupkey.New(stack, "backup-key", &backupkey.Props{
		Key: attestedkey.Props{
			AliasName:    "alias/mpc-dev-alice-backup",
			PartyRoleARN: jsii.String("arn:aws:iam::111122223333:role/mpc-dev-alice-party"),
			PCR0:         []string{"5292569b5945693afcde78e5a0045f4bf8c0a594d174baf1e6bccdf0e6338ebe46e89207054e0c48d0ec6deef80284ac"},
			AccountID:    jsii.String("111122223333"),
		},
		ReplicaProvider: replica,
	})
	_ = key.KeyARN // the ConfigMap's backup root key id
}
