// Package attestedkey creates the party's KMS key that only an attested Nitro
// Enclave image can use (onboarding step 4, "PCR0 injection"), and its alias.
//
// The key policy lets the party role decrypt and generate data keys only when
// the request carries a Nitro attestation document whose image measurement
// (kms:RecipientAttestation:ImageSha384, the PCR0 value) is one of the allowed
// images; lets the party role read the key's metadata, public key and policy
// without attestation (none releases key material); denies the decrypt-class
// actions to every principal without such a document,
// so that no IAM grant can bypass the gate; and gives the account root and the
// administrator roles the administration set only, never a cryptographic use.
package attestedkey

import (
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"

	policy "github.com/mpc-mesh/infra/internal/iampolicy"
)

// Condition keys of a Nitro Enclave attestation document, as KMS evaluates them.
const (
	// ImageSha384Key is the SHA-384 of the enclave image file: the PCR0 measurement.
	ImageSha384Key = "kms:RecipientAttestation:ImageSha384"
	// PCR1Key is the measurement of the enclave's Linux kernel and boot ramfs.
	PCR1Key = "kms:RecipientAttestation:PCR1"
	// PCR2Key is the measurement of the enclave's user applications.
	PCR2Key = "kms:RecipientAttestation:PCR2"
)

// Statement ids of the key policy, in the order they appear.
const (
	SidEnclaveDecrypt = "EnclaveDecryptWithAttestation"
	SidRead           = "ReadWithoutAttestation"
	SidDenyDecrypt    = "DenyDecryptWithoutAttestation"
	SidAdministration = "KeyAdministration"
)

// EnclaveActions are the actions the party role may call from an attested
// enclave. Both accept a Recipient (attestation document), and KMS returns the
// plaintext encrypted to the enclave's public key.
//
// kms:GenerateDataKeyWithoutPlaintext is deliberately not granted: it takes no
// Recipient, so the attestation condition could never match it (a dead grant,
// as GetPublicKey under the condition would be), and the enclave gets the
// ciphertext blob it needs from GenerateDataKey anyway.
var EnclaveActions = []string{"kms:Decrypt", "kms:GenerateDataKey"}

// DecryptClassActions are the actions that can release plaintext from this key
// or move its ciphertext under another key: they are refused to every
// principal whose request carries no attestation document of an allowed image.
// kms:ReEncryptFrom carries no attestation at all, so the Deny refuses it
// always, which is intended: re-encryption would move key shares out of the
// attestation gate.
var DecryptClassActions = []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:ReEncryptFrom"}

// ReadActions are granted to the party role without attestation: requests
// without a Recipient never match the attestation condition, so a read grant
// under it would never apply. None of them releases key material:
// DescribeKey returns metadata, GetKeyPolicy the policy (the chart's
// root-key attestation reads it to check the key is gated on the enclave's
// measurement), and GetPublicKey the public half of an asymmetric key (KMS
// refuses it on a symmetric key, so on this key it grants nothing; it is
// listed so the same role reads an asymmetric root key kept elsewhere).
var ReadActions = []string{"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetPublicKey"}

// AdminActions is the key-administration set: it lets
// the account root and the administrator roles manage, rotate, tag, disable
// and schedule deletion of a key, and contains no cryptographic use action
// (no Decrypt, Encrypt, ReEncrypt* or GenerateDataKey*). Because the root gets
// no use action, IAM policies in the account cannot grant one either.
var AdminActions = []string{
	"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
	"kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
	"kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
}

// DefaultDeletionWindowDays is the waiting period before a scheduled deletion completes.
const DefaultDeletionWindowDays = 30

// DefaultDescription is the key description when Props.Description is empty.
const DefaultDescription = "MPC party key usable only from an attested Nitro Enclave image"

// Props configures the attested key.
type Props struct {
	// AliasName is the full alias, "alias/mpc-<env>-<party>" (the config layer
	// derives it). Required.
	AliasName string
	// Description of the key. Default: DefaultDescription.
	Description string
	// PartyRoleARN is the ARN of the party's IRSA role, the only principal that
	// may decrypt, and only from an attested enclave. Required; usually a token.
	// Referencing the role makes Terraform create it before the key, which AWS
	// requires of principals in key policies.
	PartyRoleARN *string
	// PCR0 lists the allowed enclave image measurements (SHA-384, 96 hex
	// characters, compared case-insensitively). A list so that a rolling
	// upgrade can allow the old and the new image at once. Required, non-empty.
	PCR0 []string
	// PCR1 lists the allowed kernel measurements. Default: empty, no PCR1 condition.
	PCR1 []string
	// PCR2 lists the allowed application measurements. Default: empty, no PCR2 condition.
	PCR2 []string
	// AccountID is the AWS account that owns the key; its root gets the
	// administration set. Required; a literal or a token such as
	// data.aws_caller_identity.account_id.
	AccountID *string
	// Partition is the AWS partition of the account. Default: "aws".
	Partition string
	// AdminRoleARNs are extra roles granted the administration set (never a
	// cryptographic use). Default: none, only the account root.
	AdminRoleARNs []string
	// DeletionWindowDays is the waiting period (7-30) before a scheduled
	// deletion completes. Default: DefaultDeletionWindowDays.
	DeletionWindowDays int
	// Tags added to the key, on top of the provider's default tags. A Name tag
	// (the alias without "alias/") is always added.
	Tags map[string]string
}

// Key is a created attested key.
type Key struct {
	// Key is the KMS key resource.
	Key kmskey.KmsKey
	// Alias is the alias resource.
	Alias kmsalias.KmsAlias
	// KeyID is the key id, for the ConfigMap's root key id.
	KeyID *string
	// KeyARN is the key ARN, for IAM policies that name the key.
	KeyARN *string
	// AliasName is the alias name ("alias/...").
	AliasName *string
}

// RootARN returns the ARN of an account's root principal.
func RootARN(partition string, accountID *string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":iam::" + *accountID + ":root"
}

// AdministrationStatement grants the administration set to the given
// principals, with no cryptographic use action.
func AdministrationStatement(principals ...string) policy.Statement {
	return policy.Statement{
		Sid:       SidAdministration,
		Effect:    policy.Allow,
		Principal: policy.AWSPrincipal(principals...),
		Action:    AdminActions,
		Resource:  []string{"*"},
	}
}

// attestationCondition returns the condition values for the allowed
// measurements: ImageSha384 always, PCR1 and PCR2 only when given.
func attestationCondition(p *Props) map[string]any {
	cond := map[string]any{ImageSha384Key: p.PCR0}
	if len(p.PCR1) > 0 {
		cond[PCR1Key] = p.PCR1
	}
	if len(p.PCR2) > 0 {
		cond[PCR2Key] = p.PCR2
	}
	return cond
}

// Uses are what a key policy built by PolicyFor lets its principals do.
type Uses struct {
	// Enclave are the actions the party role may call only with an allowed
	// image's attestation document.
	Enclave []string
	// Describe are the actions the party role may call without one: they
	// release no plaintext (metadata, public key, key policy).
	Describe []string
	// Administration are actions the administrators get on top of
	// AdminActions; none may be a cryptographic use.
	Administration []string
}

// SymmetricUses are the uses of the party's symmetric attested key.
var SymmetricUses = Uses{Enclave: EnclaveActions, Describe: ReadActions}

// Policy returns the party key's policy: PolicyFor with SymmetricUses.
func Policy(p *Props) policy.Document { return PolicyFor(p, SymmetricUses) }

// PolicyFor returns an attestation-gated key policy, statements in this
// order: the enclave uses for the party role under attestation, the
// describe uses without attestation, deny of every decrypt-class action
// without an allowed image, administration. Every key that only an attested
// enclave may decrypt with gets its policy here.
func PolicyFor(p *Props, u Uses) policy.Document {
	role := *p.PartyRoleARN
	admins := append([]string{RootARN(p.Partition, p.AccountID)}, p.AdminRoleARNs...)
	admin := AdministrationStatement(admins...)
	admin.Action = append(append([]string{}, AdminActions...), u.Administration...)
	return policy.New(
		// The enclave unwraps its key material: only the party role, only with an allowed image's attestation.
		policy.Statement{
			Sid:       SidEnclaveDecrypt,
			Effect:    policy.Allow,
			Principal: policy.AWSPrincipal(role),
			Action:    u.Enclave,
			Resource:  []string{"*"},
			Condition: map[string]map[string]any{"StringEqualsIgnoreCase": attestationCondition(p)},
		},
		// The services read the key's metadata, public key and policy (no
		// attestation document exists for these calls).
		policy.Statement{
			Sid:       SidRead,
			Effect:    policy.Allow,
			Principal: policy.AWSPrincipal(role),
			Action:    u.Describe,
			Resource:  []string{"*"},
		},
		// Defence in depth against IAM grants: a negated operator matches when
		// the key is absent, so a request without an attestation document is
		// refused as well as one from another image. PCR1/PCR2 are checked by
		// the Allow only: PCR0 hashes the whole image file, kernel and
		// applications included, so an image with the allowed PCR0 also has
		// the matching PCR1 and PCR2.
		policy.Statement{
			Sid:       SidDenyDecrypt,
			Effect:    policy.Deny,
			Principal: "*",
			Action:    DecryptClassActions,
			Resource:  []string{"*"},
			Condition: map[string]map[string]any{"StringNotEqualsIgnoreCase": {ImageSha384Key: p.PCR0}},
		},
		// The account root and the admin roles manage the key (including its policy) without any use.
		admin,
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
		window = DefaultDeletionWindowDays
	}
	tags := map[string]*string{"Name": jsii.String(strings.TrimPrefix(props.AliasName, "alias/"))}
	for k, v := range props.Tags {
		tags[k] = jsii.String(v)
	}
	key := kmskey.NewKmsKey(c, jsii.String("key"), &kmskey.KmsKeyConfig{
		Description:           jsii.String(desc),
		KeyUsage:              jsii.String("ENCRYPT_DECRYPT"),
		CustomerMasterKeySpec: jsii.String("SYMMETRIC_DEFAULT"),
		EnableKeyRotation:     jsii.Bool(true),
		DeletionWindowInDays:  jsii.Number(float64(window)),
		Policy:                Policy(props).JSON(),
		Tags:                  &tags,
	})
	alias := kmsalias.NewKmsAlias(c, jsii.String("alias"), &kmsalias.KmsAliasConfig{
		Name:        jsii.String(props.AliasName),
		TargetKeyId: key.KeyId(),
	})
	return &Key{Key: key, Alias: alias, KeyID: key.KeyId(), KeyARN: key.Arn(), AliasName: alias.Name()}
}
