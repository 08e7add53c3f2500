package constructs_test

import (
	"reflect"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/txsenderkey"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const txsenderkeyRoleARN = "arn:aws:iam::111122223333:role/mpc-local-alice-connector"

func txsenderkeySynth(t *testing.T) *synthtest.Doc {
	t.Helper()
	return synthtest.Stack(t, func(s constructs.Construct) {
		txsenderkey.New(s, "tx", &txsenderkey.Props{
			AliasName:        "alias/mpc-local-alice-tx-sender",
			ConnectorRoleARN: jsii.String(txsenderkeyRoleARN),
			AccountID:        jsii.String("111122223333"),
		})
	})
}

// An Ethereum account is a secp256k1 signing key, generated in KMS; KMS
// does not rotate asymmetric keys, so rotation is off rather than refused.
func TestTxSenderKeyIsASecp256k1SigningKey(t *testing.T) {
	doc := txsenderkeySynth(t)
	k := doc.Resource("aws_kms_key")
	if k["customer_master_key_spec"] != "ECC_SECG_P256K1" || k["key_usage"] != "SIGN_VERIFY" || k["enable_key_rotation"] != false {
		t.Errorf("key = spec %v, usage %v, rotation %v; want ECC_SECG_P256K1, SIGN_VERIFY, off", k["customer_master_key_spec"], k["key_usage"], k["enable_key_rotation"])
	}
	if a := doc.Resource("aws_kms_alias"); a["name"] != "alias/mpc-local-alice-tx-sender" {
		t.Errorf("alias = %v", a["name"])
	}
}

// Least privilege: the connector role may sign, read the public key (its
// wallet address) and describe the key, nothing else; no other principal
// may sign whatever IAM says; the root administers without use.
func TestTxSenderKeyPolicySignsForTheConnectorOnly(t *testing.T) {
	byID := map[string]synthtest.Object{}
	doc := txsenderkeySynth(t)
	for _, st := range synthtest.Statements(doc.Policy(doc.Resource("aws_kms_key")["policy"])) {
		byID[st["Sid"].(string)] = st
	}
	allow := byID["ConnectorSigning"]
	if got := synthtest.Strings(allow["Action"]); !reflect.DeepEqual(got, []string{"kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"}) {
		t.Errorf("connector actions = %v", got)
	}
	if got := synthtest.Strings(allow["Principal"].(map[string]any)["AWS"]); !reflect.DeepEqual(got, []string{txsenderkeyRoleARN}) {
		t.Errorf("connector principal = %v", got)
	}
	deny := byID["DenySigningByOtherPrincipals"]
	cond, _ := deny["Condition"].(map[string]any)["ArnNotEquals"].(map[string]any)
	if deny["Effect"] != "Deny" || deny["Principal"] != "*" || !reflect.DeepEqual(synthtest.Strings(deny["Action"]), []string{"kms:Sign"}) || !reflect.DeepEqual(synthtest.Strings(cond["aws:PrincipalArn"]), []string{txsenderkeyRoleARN}) {
		t.Errorf("deny = %v, want Sign denied to every principal but the connector role", deny)
	}
	if hit := attestedkeyGrantsAny(synthtest.Strings(byID["KeyAdministration"]["Action"]), []string{"kms:Sign", "kms:Verify"}); len(hit) > 0 {
		t.Errorf("administration grants %v", hit)
	}
	if len(byID) != 3 {
		t.Errorf("statements = %v, want connector, deny, administration", byID)
	}
}
