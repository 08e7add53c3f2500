package txsenderkey_test

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/txsenderkey"
)

// ExampleNew creates the transaction-signing key of alice's KMS connector,
// usable for signing by the connector's role only.
func ExampleNew() {
	stack := cdktf.NewTerraformStack(cdktf.NewApp(nil), jsii.String("dev-alice-party"))
	key := txsenderkey.New(stack, "tx-sender-key", &txsenderkey.Props{
		AliasName:        "alias/mpc-dev-alice-tx-sender",
		ConnectorRoleARN: jsii.String("arn:aws:iam::111122223333:role/mpc-dev-alice-connector"),
		AccountID:        jsii.String("111122223333"),
	})
	_ = key.KeyID // the ConfigMap's KMS_CONNECTOR__TX_SENDER_AWS_KMS_KEY_ID
}
