package attestedkey_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
)

// ExampleNew creates the key of party alice that only her IRSA role may use,
// and only from an enclave running the measured image.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	key := attestedkey.New(stack, "attested-key", &attestedkey.Props{
		AliasName:    "alias/mpc-dev-alice",
		PartyRoleARN: jsii.String("arn:aws:iam::111122223333:role/mpc-dev-alice-party"),
		PCR0:         []string{"5292569b5945693afcde78e5a0045f4bf8c0a594d174baf1e6bccdf0e6338ebe46e89207054e0c48d0ec6deef80284ac"},
		AccountID:    jsii.String("111122223333"),
	})
	_ = key.KeyID // the ConfigMap's root key id
}
