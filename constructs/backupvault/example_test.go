package backupvault_test

import (
	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/backupvault"
)

// ExampleNew creates alice's backup bucket in eu-west-1, replicated to a
// bucket in eu-west-3; only her IRSA role and the replication role touch
// their objects.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	replica := awsprovider.NewAwsProvider(stack, jsii.String("aws-replica"), &awsprovider.AwsProviderConfig{
		Region: jsii.String("eu-west-3"),
		Alias:  jsii.String("replica"),
	})
	vault := backupvault.New(stack, "backup-vault", &backupvault.Props{
		BucketName:          "mpc-dev-alice-111122223333-backup",
		ReplicaBucketName:   "mpc-dev-alice-111122223333-backup-rep",
		ReplicationRoleName: "mpc-dev-alice-backup-replication",
		PartyRoleARN:        jsii.String("arn:aws:iam::111122223333:role/mpc-dev-alice-party"),
		Region:              "eu-west-1",
		ReplicaRegion:       "eu-west-3",
		AccountID:           jsii.String("111122223333"),
		ReplicaProvider:     replica,
		PreventDestroy:      true,
	})
	_ = vault.BucketName // the ConfigMap's backup bucket
}
