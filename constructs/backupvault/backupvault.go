// Package backupvault creates the party's backup vault: a bucket in the
// party's region that the MPC services write a copy of their key material
// to, and its replica in a second region, kept in step by S3 replication.
//
// Both buckets are built like the private vault bucket
// (vault.NewPrivateBucket): owner-enforced (ACLs disabled), versioned,
// SSE-KMS with a customer storage key of their own region, every public
// access blocked, TLS only, noncurrent versions expiring after a set
// number of days, never force-destroyed, and prevent_destroy when asked.
//
// Who may touch the objects, stated per bucket:
//   - backup bucket: the party role reads, writes and lists (the MPC
//     services write and read the backup); the replication role reads
//     object versions for replication. A bucket-policy Deny refuses object
//     reads and writes to every other principal, the account's
//     administrators included, whatever IAM grants they hold.
//   - replica bucket: the party role reads and lists (a restore after
//     losing the primary region); the replication role writes replicas.
//     The same Deny refuses every other principal.
//
// No cross-account principal and no assumable backup role is created:
// the only identity that can use the backup is the party's IRSA role, and
// the only one that can decrypt it is an attested enclave (constructs/
// backupkey). Delete markers are not replicated, so a delete in the
// backup bucket (which the party role cannot do: it gets no delete) never
// hides an object in the replica.
package backupvault

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iampolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketreplicationconfiguration"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	"github.com/mpc-mesh/infra/constructs/vault"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
)

// DefaultNoncurrentVersionDays is how long a replaced backup object
// version is kept by default: a year.
const DefaultNoncurrentVersionDays = 365

// Statement ids of the policies this package writes.
const (
	SidOnlyNamedPrincipals   = "ObjectsOnlyForNamedRoles"
	SidReplicationViaS3      = "ReplicationThroughS3"
	SidReadSourceBucket      = "ReadSourceReplicationConfiguration"
	SidReadSourceVersions    = "ReadSourceObjectVersions"
	SidWriteReplicas         = "WriteReplicas"
	SidDecryptSource         = "DecryptSourceThroughS3"
	SidEncryptReplica        = "EncryptReplicaThroughS3"
	SidS3AssumesReplication  = "S3AssumesForThisBucketOnly"
	ReplicationRuleID        = "replicate-backup"
	defaultReplicationPolicy = "Replication of the MPC backup vault"
)

// ObjectActions are the object reads and writes the bucket policies deny to
// every principal but the named roles.
var ObjectActions = []string{"s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject", "s3:ReplicateObject", "s3:ReplicateTags", "s3:ReplicateDelete"}

// Replication role actions, each on one bucket or one key:
var (
	// SourceBucketActions: read the replication configuration and list the backup bucket.
	SourceBucketActions = []string{"s3:GetReplicationConfiguration", "s3:ListBucket"}
	// SourceObjectActions: read the object versions being replicated, with their ACL and tags.
	SourceObjectActions = []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"}
	// ReplicaObjectActions: write replicas and their tags; no ReplicateDelete,
	// since delete markers are not replicated.
	ReplicaObjectActions = []string{"s3:ReplicateObject", "s3:ReplicateTags"}
	// SourceKeyActions: decrypt the source objects, through S3 of the party's region only.
	SourceKeyActions = []string{"kms:Decrypt"}
	// ReplicaKeyActions: encrypt the replicas, through S3 of the replica region only.
	ReplicaKeyActions = []string{"kms:Encrypt", "kms:GenerateDataKey"}
)

// Props configures the backup vault.
type Props struct {
	// BucketName and ReplicaBucketName name the two buckets. Required (the
	// config layer derives and validates them).
	BucketName, ReplicaBucketName string
	// ReplicationRoleName names the replication role (at most 64 characters). Required.
	ReplicationRoleName string
	// PartyRoleARN is the party's IRSA role, the only principal that may
	// read and write the backup. Required; usually a token.
	PartyRoleARN *string
	// Region and ReplicaRegion are the two regions. Required.
	Region, ReplicaRegion string
	// AccountID owns both buckets; its root administers the storage keys
	// without any use. Required.
	AccountID *string
	// Partition is the AWS partition. Default: "aws".
	Partition string
	// ReplicaProvider is the AWS provider of the replica region. Required.
	ReplicaProvider cdktf.TerraformProvider
	// PreventDestroy sets lifecycle.prevent_destroy on both buckets and
	// both storage keys. Default: false.
	PreventDestroy bool
	// NoncurrentVersionDays is how long a noncurrent object version is kept
	// in either bucket. Default: DefaultNoncurrentVersionDays.
	NoncurrentVersionDays int
	// Tags added to every resource that takes tags.
	Tags map[string]string
}

// BackupVault is the created backup vault.
type BackupVault struct {
	// BucketName and BucketARN describe the backup bucket.
	BucketName, BucketARN *string
	// ReplicaBucketName and ReplicaBucketARN describe the replica bucket.
	ReplicaBucketName, ReplicaBucketARN *string
	// StorageKeyARN and ReplicaStorageKeyARN are the buckets' storage keys.
	StorageKeyARN, ReplicaStorageKeyARN *string
	// ReplicationRoleARN is the role S3 replicates with.
	ReplicationRoleARN *string
	// Replication is the replication configuration of the backup bucket.
	Replication s3bucketreplicationconfiguration.S3BucketReplicationConfigurationA
}

// BucketARN is the ARN of a bucket by name.
func BucketARN(partition, bucket string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":s3:::" + bucket
}

// OnlyNamedPrincipals denies object reads and writes on a bucket to every
// principal whose ARN is not one of roles.
func OnlyNamedPrincipals(bucketARN string, roles ...string) policy.Statement {
	// A Deny, so that no IAM grant in the account (an administrator's
	// s3:* included) reaches the backup's objects.
	return policy.Statement{
		Sid:       SidOnlyNamedPrincipals,
		Effect:    policy.Deny,
		Principal: "*",
		Action:    ObjectActions,
		Resource:  []string{bucketARN + "/*"},
		Condition: map[string]map[string]any{"ArnNotEquals": {"aws:PrincipalArn": roles}},
	}
}

// StorageKeyPolicy is a bucket storage key's policy: the private vault's
// storage key policy (administration without use for the root, use through
// S3 for the party role) plus the replication role's actions through S3 of
// the key's region.
func StorageKeyPolicy(partition string, accountID *string, region, partyRole, replicationRole string, replicationActions []string) policy.Document {
	doc := vault.StorageKeyPolicy(partition, accountID, jsii.String(region), []string{partyRole})
	doc.Statement = append(doc.Statement, policy.Statement{
		Sid:       SidReplicationViaS3,
		Effect:    policy.Allow,
		Principal: policy.AWSPrincipal(replicationRole),
		Action:    replicationActions,
		Resource:  []string{"*"},
		Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": "s3." + region + ".amazonaws.com"}},
	})
	return doc
}

// ReplicationTrustPolicy lets S3 assume the replication role for the backup
// bucket of the party's account only (no confused deputy).
func ReplicationTrustPolicy(accountID *string, sourceBucketARN string) policy.Document {
	return policy.New(policy.Statement{
		Sid:       SidS3AssumesReplication,
		Effect:    policy.Allow,
		Principal: policy.ServicePrincipal("s3.amazonaws.com"),
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": *accountID},
			"ArnLike":      {"aws:SourceArn": sourceBucketARN},
		},
	})
}

// ReplicationPolicy is the replication role's permissions, each statement
// on one bucket or one key.
func ReplicationPolicy(sourceARN, replicaARN, sourceKeyARN, replicaKeyARN, region, replicaRegion string) policy.Document {
	via := func(r string) map[string]map[string]any {
		return map[string]map[string]any{"StringEquals": {"kms:ViaService": "s3." + r + ".amazonaws.com"}}
	}
	return policy.New(
		policy.Statement{Sid: SidReadSourceBucket, Effect: policy.Allow, Action: SourceBucketActions, Resource: []string{sourceARN}},
		policy.Statement{Sid: SidReadSourceVersions, Effect: policy.Allow, Action: SourceObjectActions, Resource: []string{sourceARN + "/*"}},
		policy.Statement{Sid: SidWriteReplicas, Effect: policy.Allow, Action: ReplicaObjectActions, Resource: []string{replicaARN + "/*"}},
		policy.Statement{Sid: SidDecryptSource, Effect: policy.Allow, Action: SourceKeyActions, Resource: []string{sourceKeyARN}, Condition: via(region)},
		policy.Statement{Sid: SidEncryptReplica, Effect: policy.Allow, Action: ReplicaKeyActions, Resource: []string{replicaKeyARN}, Condition: via(replicaRegion)},
	)
}

// New creates the replication role, the two storage keys, the two buckets
// and the replication configuration.
func New(scope constructs.Construct, id string, props *Props) *BackupVault {
	c := constructs.NewConstruct(scope, jsii.String(id))
	var lifecycle *cdktf.TerraformResourceLifecycle
	if props.PreventDestroy {
		lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	days := props.NoncurrentVersionDays
	if days == 0 {
		days = DefaultNoncurrentVersionDays
	}
	sourceARN := BucketARN(props.Partition, props.BucketName)
	party := *props.PartyRoleARN

	role := iamrole.NewIamRole(c, jsii.String("replication-role"), &iamrole.IamRoleConfig{
		Name:                jsii.String(props.ReplicationRoleName),
		Description:         jsii.String("S3 replication of " + props.BucketName + " to " + props.ReplicaBucketName),
		AssumeRolePolicy:    ReplicationTrustPolicy(props.AccountID, sourceARN).JSON(),
		ForceDetachPolicies: jsii.Bool(true),
		Tags:                tags(props.Tags, nil),
	})
	replication := *role.Arn()

	newKey := func(keyID, region string, actions []string, provider cdktf.TerraformProvider, bucket string) kmskey.KmsKey {
		return kmskey.NewKmsKey(c, jsii.String(keyID), &kmskey.KmsKeyConfig{
			Provider:             provider,
			Description:          jsii.String("Storage key of the backup bucket " + bucket),
			KeyUsage:             jsii.String("ENCRYPT_DECRYPT"),
			EnableKeyRotation:    jsii.Bool(true),
			DeletionWindowInDays: jsii.Number(attestedkey.DefaultDeletionWindowDays),
			Policy:               StorageKeyPolicy(props.Partition, props.AccountID, region, party, replication, actions).JSON(),
			Tags:                 tags(props.Tags, map[string]string{"Name": bucket + "-storage"}),
			Lifecycle:            lifecycle,
		})
	}
	sourceKey := newKey("storage-key", props.Region, SourceKeyActions, nil, props.BucketName)
	replicaKey := newKey("replica-storage-key", props.ReplicaRegion, ReplicaKeyActions, props.ReplicaProvider, props.ReplicaBucketName)

	source := vault.NewPrivateBucket(c, "backup", &vault.PrivateBucketProps{
		Name: props.BucketName, Kind: "backup-vault", Purpose: "mpc-backup-storage",
		KMSKeyARN: sourceKey.Arn(),
		Grants: func(arn string) []policy.Statement {
			return []policy.Statement{OnlyNamedPrincipals(arn, party, replication)}
		},
		PreventDestroy: props.PreventDestroy, NoncurrentVersionDays: days, Tags: props.Tags,
	})
	replica := vault.NewPrivateBucket(c, "replica", &vault.PrivateBucketProps{
		Name: props.ReplicaBucketName, Kind: "backup-vault-replica", Purpose: "mpc-backup-storage-replica",
		KMSKeyARN: replicaKey.Arn(),
		Grants: func(arn string) []policy.Statement {
			return []policy.Statement{OnlyNamedPrincipals(arn, party, replication)}
		},
		PreventDestroy: props.PreventDestroy, NoncurrentVersionDays: days, Tags: props.Tags,
		Provider: props.ReplicaProvider,
	})

	pol := iampolicy.NewIamPolicy(c, jsii.String("replication-policy"), &iampolicy.IamPolicyConfig{
		Name:        jsii.String(props.ReplicationRoleName),
		Description: jsii.String(defaultReplicationPolicy),
		Policy:      ReplicationPolicy(*source.Bucket.Arn(), *replica.Bucket.Arn(), *sourceKey.Arn(), *replicaKey.Arn(), props.Region, props.ReplicaRegion).JSON(),
		Tags:        tags(props.Tags, nil),
	})
	iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("replication-attachment"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      role.Name(),
		PolicyArn: pol.Arn(),
	})

	rc := s3bucketreplicationconfiguration.NewS3BucketReplicationConfigurationA(c, jsii.String("replication"), &s3bucketreplicationconfiguration.S3BucketReplicationConfigurationAConfig{
		Bucket: source.Bucket.Id(),
		Role:   role.Arn(),
		Rule: []*s3bucketreplicationconfiguration.S3BucketReplicationConfigurationRule{{
			Id:     jsii.String(ReplicationRuleID),
			Status: jsii.String("Enabled"),
			// Every object of the bucket.
			Filter: &s3bucketreplicationconfiguration.S3BucketReplicationConfigurationRuleFilter{Prefix: jsii.String("")},
			// A delete in the backup bucket must not hide the replica's copy.
			DeleteMarkerReplication: &s3bucketreplicationconfiguration.S3BucketReplicationConfigurationRuleDeleteMarkerReplication{Status: jsii.String("Disabled")},
			// Every object is SSE-KMS; S3 replicates such objects only when told to.
			SourceSelectionCriteria: &s3bucketreplicationconfiguration.S3BucketReplicationConfigurationRuleSourceSelectionCriteria{
				SseKmsEncryptedObjects: &s3bucketreplicationconfiguration.S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects{Status: jsii.String("Enabled")},
			},
			Destination: &s3bucketreplicationconfiguration.S3BucketReplicationConfigurationRuleDestination{
				Bucket:       replica.Bucket.Arn(),
				StorageClass: jsii.String("STANDARD"),
				// Re-encrypted under the replica region's storage key.
				EncryptionConfiguration: &s3bucketreplicationconfiguration.S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration{
					ReplicaKmsKeyId: replicaKey.Arn(),
				},
			},
		}},
		// S3 refuses a replication configuration until both buckets are versioned.
		DependsOn: &[]cdktf.ITerraformDependable{source.Versioning, replica.Versioning},
	})

	return &BackupVault{
		BucketName: source.Bucket.Bucket(), BucketARN: source.Bucket.Arn(),
		ReplicaBucketName: replica.Bucket.Bucket(), ReplicaBucketARN: replica.Bucket.Arn(),
		StorageKeyARN: sourceKey.Arn(), ReplicaStorageKeyARN: replicaKey.Arn(),
		ReplicationRoleARN: role.Arn(),
		Replication:        rc,
	}
}

// tags merges the user's tags with the construct's own (which win).
func tags(user, own map[string]string) *map[string]*string {
	res := map[string]string{}
	for _, m := range []map[string]string{user, own} {
		for k, v := range m {
			res[k] = v
		}
	}
	return jsiivalue.StringMap(res)
}
