// Package backupkey creates the party's backup key: a multi-region RSA_4096
// KMS key (ENCRYPT_DECRYPT) in the party's region, a replica of it in the
// backup's replica region, and an alias for each.
//
// The MPC services encrypt the backup copy of their key material to the
// key's public half, which they read with kms:GetPublicKey; only the
// private half, which never leaves KMS, can decrypt it. The key policy is
// the party key's (constructs/attestedkey.PolicyFor): the party role may
// decrypt only with a Nitro attestation document of an allowed enclave
// image, a Deny refuses every decrypt-class action without one, and the
// administrators (the account root and the admin roles) manage the key,
// replicate it and read its public half, but never decrypt with it.
//
// RSA rather than a symmetric key because encryption needs no KMS call
// and no attestation: the enclave can write a backup with the public key
// alone, and a restore, the rare operation, is the one that goes through
// the attestation gate. The replica shares the key material, so a backup
// written in the primary region can be restored in the replica region
// after losing the primary one.
package backupkey

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsreplicakey"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
)

// KeySpec and KeyUsage of the backup key.
const (
	KeySpec  = "RSA_4096"
	KeyUsage = "ENCRYPT_DECRYPT"
)

// Uses are what the backup key's policy grants. Decrypt is the only use an
// attested enclave needs (GenerateDataKey does not exist for RSA keys);
// GetPublicKey is readable without attestation, since the public half is
// what the services encrypt to; ReplicateKey lets the administrators create
// and re-create the replica, and is no cryptographic use.
var Uses = attestedkey.Uses{
	Enclave:        []string{"kms:Decrypt"},
	Describe:       []string{"kms:DescribeKey", "kms:GetPublicKey"},
	Administration: []string{"kms:ReplicateKey"},
}

// Props configures the backup key.
type Props struct {
	// Key is the attestation gate, as for the party key: alias, party role,
	// PCR0/1/2, account, partition, admin roles, deletion window, tags.
	// Required; Key.AliasName names both the key and its replica.
	Key attestedkey.Props
	// ReplicaProvider is the AWS provider of the replica region. Required.
	ReplicaProvider cdktf.TerraformProvider
	// PreventDestroy sets Terraform's lifecycle.prevent_destroy on the key
	// and its replica. Default: false.
	PreventDestroy bool
}

// Key is the created backup key and its replica.
type Key struct {
	// Key and Replica are the key resources.
	Key     kmskey.KmsKey
	Replica kmsreplicakey.KmsReplicaKey
	// KeyARN and ReplicaARN are the two keys' ARNs (same key id, different regions).
	KeyARN, ReplicaARN *string
	// AliasName is the alias both regions use.
	AliasName *string
}

// Policy returns the key policy of the backup key and its replica.
func Policy(p *attestedkey.Props) policy.Document { return attestedkey.PolicyFor(p, Uses) }

// New creates the multi-region key, its replica and their aliases.
func New(scope constructs.Construct, id string, props *Props) *Key {
	c := constructs.NewConstruct(scope, jsii.String(id))
	k := &props.Key
	window := k.DeletionWindowDays
	if window == 0 {
		window = attestedkey.DefaultDeletionWindowDays
	}
	var lifecycle *cdktf.TerraformResourceLifecycle
	if props.PreventDestroy {
		lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	tags := map[string]*string{"Name": jsii.String(strings.TrimPrefix(k.AliasName, "alias/"))}
	for name, v := range k.Tags {
		tags[name] = jsii.String(v)
	}
	desc := k.Description
	if desc == "" {
		desc = "MPC party backup key: decryption only by an attested Nitro Enclave image"
	}
	doc := Policy(k).JSON()
	key := kmskey.NewKmsKey(c, jsii.String("key"), &kmskey.KmsKeyConfig{
		Description:           jsii.String(desc),
		KeyUsage:              jsii.String(KeyUsage),
		CustomerMasterKeySpec: jsii.String(KeySpec),
		MultiRegion:           jsii.Bool(true),
		// KMS rotates symmetric keys only; an asymmetric key is rotated by
		// creating a new one.
		EnableKeyRotation:    jsii.Bool(false),
		DeletionWindowInDays: jsii.Number(float64(window)),
		Policy:               doc,
		Tags:                 &tags,
		Lifecycle:            lifecycle,
	})
	kmsalias.NewKmsAlias(c, jsii.String("alias"), &kmsalias.KmsAliasConfig{
		Name:        jsii.String(k.AliasName),
		TargetKeyId: key.KeyId(),
	})
	replica := kmsreplicakey.NewKmsReplicaKey(c, jsii.String("replica"), &kmsreplicakey.KmsReplicaKeyConfig{
		Provider:             props.ReplicaProvider,
		PrimaryKeyArn:        key.Arn(),
		Description:          jsii.String(desc + " (replica)"),
		DeletionWindowInDays: jsii.Number(float64(window)),
		// The same policy: the replica is as gated as the primary key.
		Policy:    doc,
		Tags:      &tags,
		Lifecycle: lifecycle,
	})
	alias := kmsalias.NewKmsAlias(c, jsii.String("replica-alias"), &kmsalias.KmsAliasConfig{
		Provider:    props.ReplicaProvider,
		Name:        jsii.String(k.AliasName),
		TargetKeyId: replica.KeyId(),
	})
	return &Key{Key: key, Replica: replica, KeyARN: key.Arn(), ReplicaARN: replica.Arn(), AliasName: alias.Name()}
}
