// Package txsenderkey creates the KMS key the KMS connector signs its
// transactions with: an asymmetric secp256k1 signing key (an Ethereum
// account) that only the connector's role may use, and its alias.
//
// The key material is generated inside KMS (origin AWS_KMS) and never
// leaves it: no private key exists anywhere to be copied or lost, and the
// wallet address is derived from kms:GetPublicKey. A party that must keep
// an existing wallet imports it instead into a key created outside this
// app with origin EXTERNAL and references that key by ARN (see the README,
// "Connector transaction key"); the pinned AWS provider cannot create an
// asymmetric key with imported material.
package txsenderkey

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/kmsconnector"
)

// Statement ids of the key policy, in the order they appear.
const (
	SidConnectorSigning = "ConnectorSigning"
	SidDenyOtherSigners = "DenySigningByOtherPrincipals"
)

// DefaultDescription is the key description when Props.Description is empty.
const DefaultDescription = "KMS connector transaction-signing key (secp256k1)"

// Props configures the transaction-signing key.
type Props struct {
	// AliasName is the full alias, "alias/...". Required.
	AliasName string
	// Description of the key. Default: DefaultDescription.
	Description string
	// ConnectorRoleARN is the connector's IRSA role, the only principal that
	// may sign. Required; usually a token, which makes Terraform create the
	// role first, as KMS requires of principals in key policies.
	ConnectorRoleARN *string
	// AccountID owns the key; its root gets the administration set (no
	// cryptographic use). Required; may be a token.
	AccountID *string
	// Partition is the AWS partition of the account. Default: "aws".
	Partition string
	// AdminRoleARNs are extra roles granted the administration set. Default: none.
	AdminRoleARNs []string
	// DeletionWindowDays is the waiting period (7-30) before a scheduled
	// deletion completes. Default: attestedkey.DefaultDeletionWindowDays.
	DeletionWindowDays int
	// Tags added to the key, on top of the provider's default tags.
	Tags map[string]string
}

// Key is a created transaction-signing key.
type Key struct {
	// Key is the KMS key resource.
	Key kmskey.KmsKey
	// KeyID and KeyARN identify the key.
	KeyID, KeyARN *string
}

// Policy returns the key policy: signing for the connector role only, a
// Deny of signing to every other principal (so no IAM grant in the account
// can make another identity spend from the wallet), and administration
// without use for the account root and the admin roles.
func Policy(p *Props) policy.Document {
	role := *p.ConnectorRoleARN
	admins := append([]string{attestedkey.RootARN(p.Partition, p.AccountID)}, p.AdminRoleARNs...)
	return policy.New(
		policy.Statement{
			Sid:       SidConnectorSigning,
			Effect:    policy.Allow,
			Principal: policy.AWSPrincipal(role),
			Action:    kmsconnector.SigningActions,
			Resource:  []string{"*"},
		},
		policy.Statement{
			Sid:       SidDenyOtherSigners,
			Effect:    policy.Deny,
			Principal: "*",
			Action:    []string{"kms:Sign"},
			Resource:  []string{"*"},
			Condition: map[string]map[string]any{"ArnNotEquals": {"aws:PrincipalArn": []string{role}}},
		},
		attestedkey.AdministrationStatement(admins...),
	)
}

// New creates the key and its alias.
func New(scope constructs.Construct, id string, props *Props) *Key {
	c := constructs.NewConstruct(scope, jsii.String(id))
	desc := props.Description
	if desc == "" {
		desc = DefaultDescription
	}
	window := props.DeletionWindowDays
	if window == 0 {
		window = attestedkey.DefaultDeletionWindowDays
	}
	tags := map[string]*string{"Name": jsii.String(strings.TrimPrefix(props.AliasName, "alias/"))}
	for k, v := range props.Tags {
		tags[k] = jsii.String(v)
	}
	key := kmskey.NewKmsKey(c, jsii.String("key"), &kmskey.KmsKeyConfig{
		Description:           jsii.String(desc),
		KeyUsage:              jsii.String(kmsconnector.TxSenderKeyUsage),
		CustomerMasterKeySpec: jsii.String(kmsconnector.TxSenderKeySpec),
		// KMS does not rotate asymmetric keys; a new key is a new wallet.
		EnableKeyRotation:    jsii.Bool(false),
		DeletionWindowInDays: jsii.Number(float64(window)),
		Policy:               Policy(props).JSON(),
		Tags:                 &tags,
	})
	kmsalias.NewKmsAlias(c, jsii.String("alias"), &kmsalias.KmsAliasConfig{
		Name:        jsii.String(props.AliasName),
		TargetKeyId: key.KeyId(),
	})
	return &Key{Key: key, KeyID: key.KeyId(), KeyARN: key.Arn()}
}
