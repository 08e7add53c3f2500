package partyk8s_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/partyk8s"
)

// ExampleNew creates party 1's namespace, IRSA service account and
// ConfigMap; the bucket names, role ARN and key id come from the party stack.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-cluster"))
	k8s := partyk8s.New(stack, "party", &partyk8s.Props{
		PartyName:          "alice",
		ClusterName:        "mpc-alice",
		Namespace:          "kms-decentralized",
		CreateNamespace:    true,
		ServiceAccountName: "mpc-party-1",
		IRSARoleARN:        jsii.String("arn:aws:iam::111122223333:role/mpc-dev-alice-party"),
		ConfigMapName:      "mpc-party",
		PublicBucket:       jsii.String("mpc-dev-alice-111122223333-public"),
		PrivateBucket:      jsii.String("mpc-dev-alice-111122223333-private"),
		Region:             "eu-west-1",
		KMSKeyID:           jsii.String("1234abcd-12ab-34cd-56ef-1234567890ab"),
	})
	_ = k8s.NamespaceName // namespaced objects reference it to wait for the namespace
}
