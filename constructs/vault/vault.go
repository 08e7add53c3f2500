// Package vault creates the party's two vault buckets: a private bucket for
// the party's key shares, encrypted with a dedicated customer-managed storage
// key, and a public bucket from which peers and clients fetch the party's
// public keys and certificates.
//
// The public bucket is the one deliberately public resource of the product:
// the MPC protocol needs every party's public material (public keys, CA
// certificates) to be readable by the other parties, which live in other AWS
// accounts, and by clients that hold no AWS credentials at all. It admits
// anonymous s3:GetObject on its objects, anonymous s3:ListBucket under the
// CA prefixes PUB-p<id>/CACert/ of the parties it is given (and nowhere
// else), and nothing more: no writes, no ACLs, and only over TLS.
//
// Both buckets are versioned, owner-enforced (ACLs disabled), refuse
// non-TLS requests, expire noncurrent versions after a configurable number of
// days, and are never force-destroyed: a destroy of a non-empty vault fails,
// which is what key material needs. Set PreventDestroy to make Terraform
// refuse to plan their destruction at all.
package vault

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketcorsconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketlifecycleconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketownershipcontrols"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpublicaccessblock"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketserversideencryptionconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketversioning"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/trust"
)

// DefaultNoncurrentVersionDays is how long a replaced or deleted object
// version is kept before S3 expires it.
const DefaultNoncurrentVersionDays = 90

// AbortIncompleteUploadDays is when S3 aborts an unfinished multipart upload
// and frees its parts.
const AbortIncompleteUploadDays = 7

// StorageKeyActions are the actions the reader roles may call on the storage
// key, and only through S3 (kms:ViaService): what S3 needs to write and read
// SSE-KMS objects on the caller's behalf.
var StorageKeyActions = []string{"kms:Decrypt", "kms:GenerateDataKey*", "kms:Encrypt", "kms:DescribeKey"}

// Statement ids of the policies this package writes.
const (
	SidDenyInsecureTransport = "DenyInsecureTransport"
	SidPublicRead            = "PublicRead"
	SidStorageViaS3          = "StorageThroughS3"
	SidCACertListing         = "CACertListing"
)

// Props configures the vault buckets.
type Props struct {
	// PrivateBucketName is the name of the key-share bucket. Required (the
	// config layer computes and validates it).
	PrivateBucketName string
	// PublicBucketName is the name of the public-material bucket. Required
	// (the config layer computes and validates it).
	PublicBucketName string
	// ReaderRoleARNs are the roles (the party IRSA role) that may use the
	// storage key through S3 to read and write the private bucket. Elements
	// may be tokens. Default: none, and then nobody can read the private
	// bucket's objects.
	ReaderRoleARNs *[]*string
	// Region is the bucket region, for the kms:ViaService condition
	// (s3.<region>.amazonaws.com). Required; a literal or a token such as
	// data.aws_region.name.
	Region *string
	// AccountID is the account whose root administers the storage key.
	// Required; a literal or a token such as data.aws_caller_identity.account_id.
	AccountID *string
	// Partition is the AWS partition. Default: "aws".
	Partition string
	// PreventDestroy sets Terraform's lifecycle.prevent_destroy on both
	// buckets and the storage key, so that any plan destroying them fails.
	// Default: false (a destroy still fails on a non-empty bucket, because
	// force_destroy is never set).
	PreventDestroy bool
	// NoncurrentVersionDays is how many days a noncurrent object version is
	// kept. Default: DefaultNoncurrentVersionDays.
	NoncurrentVersionDays int
	// CAPartyIDs are the parties whose CA prefix (PUB-p<id>/CACert/) of the
	// public bucket may be listed by anyone: every party of the mesh, since
	// the bucket holds the party's own CA certificate and its copies of the
	// peers'. Default: none, and the bucket refuses all listing.
	CAPartyIDs []int
	// Tags added to every resource that takes tags, on top of the provider's
	// default tags. Name, Type and Purpose tags are always added to the buckets.
	Tags map[string]string
}

// CAListingStatement lets anyone list the public bucket under the CA
// prefixes of the given parties, and nowhere else: the MPC services find
// each party's CA certificate by an anonymous listing of
// PUB-p<id>/CACert/ (the certificate's object name is not fixed), and peers'
// trust sync lists a party's own prefix to copy it. s3:prefix must equal
// one of the prefixes exactly; a listing with another prefix, a longer
// one, or none is refused.
func CAListingStatement(bucketARN string, partyIDs []int) policy.Statement {
	prefixes := make([]string, len(partyIDs))
	for i, id := range partyIDs {
		prefixes[i] = trust.CAPrefix(id)
	}
	return policy.Statement{
		Sid:       SidCACertListing,
		Effect:    policy.Allow,
		Principal: "*",
		Action:    []string{"s3:ListBucket"},
		Resource:  []string{bucketARN},
		Condition: map[string]map[string]any{"StringEquals": {"s3:prefix": prefixes}},
	}
}

// Vault is the created pair of buckets and the private bucket's storage key.
type Vault struct {
	// PrivateBucket and PublicBucket are the bucket resources.
	PrivateBucket, PublicBucket s3bucket.S3Bucket
	// StorageKey is the customer-managed key of the private bucket.
	StorageKey kmskey.KmsKey
	// PrivateBucketName, PrivateBucketARN and PrivateBucketRegionalDomainName describe the private bucket.
	PrivateBucketName, PrivateBucketARN, PrivateBucketRegionalDomainName *string
	// PublicBucketName, PublicBucketARN and PublicBucketRegionalDomainName describe the public bucket.
	PublicBucketName, PublicBucketARN, PublicBucketRegionalDomainName *string
	// PublicURL is https://<public bucket regional domain name>, the base URL peers fetch from.
	PublicURL *string
	// StorageKeyARN and StorageKeyID identify the storage key.
	StorageKeyARN, StorageKeyID *string
}

// publicAccess holds the four public-access-block flags.
type publicAccess struct {
	blockACLs, ignoreACLs, blockPolicy, restrictBuckets bool
}

// bucketSpec is what differs between the two vault buckets.
type bucketSpec struct {
	id, name, kind, purpose string
	access                  publicAccess
	encryption              *s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA
	// grants are the policy statements placed before the TLS-only Deny; they
	// receive the bucket ARN.
	grants func(arn string) []policy.Statement
	// tags, lifecycle and days come from the construct's props.
	tags      map[string]string
	lifecycle *cdktf.TerraformResourceLifecycle
	days      int
	// provider is the AWS provider of every resource of the bucket; nil
	// for the stack's default provider.
	provider cdktf.TerraformProvider
}

// PrivateBucketProps configures a bucket built like the private vault
// bucket: owner-enforced, versioned, SSE-KMS with a customer key, every
// public access blocked, TLS only, noncurrent versions expiring.
type PrivateBucketProps struct {
	// Name of the bucket. Required.
	Name string
	// Kind and Purpose are the bucket's Type and Purpose tags. Required.
	Kind, Purpose string
	// KMSKeyARN is the customer-managed key objects are encrypted with by
	// default. Required; usually a token.
	KMSKeyARN *string
	// Grants returns the bucket policy statements placed before the
	// TLS-only Deny, given the bucket ARN. Default: none.
	Grants func(bucketARN string) []policy.Statement
	// PreventDestroy sets Terraform's lifecycle.prevent_destroy on the bucket.
	PreventDestroy bool
	// NoncurrentVersionDays is how many days a noncurrent object version is
	// kept. Default: DefaultNoncurrentVersionDays.
	NoncurrentVersionDays int
	// Tags added to the bucket on top of the provider's default tags.
	Tags map[string]string
	// Provider is the AWS provider of every resource of the bucket (another
	// region's, for a replica). Default: the stack's default provider.
	Provider cdktf.TerraformProvider
}

// PrivateBucket is a created private bucket.
type PrivateBucket struct {
	// Bucket is the bucket resource.
	Bucket s3bucket.S3Bucket
	// Versioning is the bucket's versioning, which replication must wait for.
	Versioning s3bucketversioning.S3BucketVersioningA
}

// NewPrivateBucket creates one bucket with the private vault bucket's
// protections under scope: the one place such a bucket is built.
func NewPrivateBucket(scope constructs.Construct, id string, props *PrivateBucketProps) *PrivateBucket {
	c := constructs.NewConstruct(scope, jsii.String(id))
	var lifecycle *cdktf.TerraformResourceLifecycle
	if props.PreventDestroy {
		lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	grants := props.Grants
	if grants == nil {
		grants = func(string) []policy.Statement { return nil }
	}
	bucket, versioning := newBucket(c, bucketSpec{
		id: "bucket", name: props.Name, kind: props.Kind, purpose: props.Purpose,
		access:     publicAccess{blockACLs: true, ignoreACLs: true, blockPolicy: true, restrictBuckets: true},
		encryption: kmsEncryption(props.KMSKeyARN),
		grants:     grants,
		tags:       props.Tags, lifecycle: lifecycle, days: props.NoncurrentVersionDays, provider: props.Provider,
	})
	return &PrivateBucket{Bucket: bucket, Versioning: versioning}
}

// kmsEncryption is SSE-KMS by default with a customer key, with an S3
// bucket key so that S3 calls KMS once per bucket key, not per object.
func kmsEncryption(keyARN *string) *s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA {
	return &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{
		ApplyServerSideEncryptionByDefault: &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA{
			SseAlgorithm:   jsii.String("aws:kms"),
			KmsMasterKeyId: keyARN,
		},
		BucketKeyEnabled: jsii.Bool(true),
	}
}

// TLSOnlyStatement denies every S3 request to a bucket and its objects that
// does not use TLS.
func TLSOnlyStatement(bucketARN string) policy.Statement {
	// A Deny: s3:* is the point, whatever the caller was granted elsewhere.
	return policy.Statement{
		Sid:       SidDenyInsecureTransport,
		Effect:    policy.Deny,
		Principal: "*",
		Action:    []string{"s3:*"},
		Resource:  []string{bucketARN, bucketARN + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
}

// StorageKeyPolicy returns the storage key's policy: administration for the
// account root without any cryptographic use, and use through S3 only for
// the reader roles.
func StorageKeyPolicy(partition string, accountID, region *string, readers []string) policy.Document {
	// The account root manages the key but cannot use it (see attestedkey.AdminActions).
	statements := []policy.Statement{attestedkey.AdministrationStatement(attestedkey.RootARN(partition, accountID))}
	if len(readers) > 0 {
		// S3 encrypts and decrypts the private bucket's objects for the reader roles, and nobody else.
		statements = append(statements, policy.Statement{
			Sid:       SidStorageViaS3,
			Effect:    policy.Allow,
			Principal: policy.AWSPrincipal(readers...),
			Action:    StorageKeyActions,
			Resource:  []string{"*"},
			Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": "s3." + *region + ".amazonaws.com"}},
		})
	}
	return policy.New(statements...)
}

// New creates the storage key and both buckets with their configuration.
func New(scope constructs.Construct, id string, props *Props) *Vault {
	c := constructs.NewConstruct(scope, jsii.String(id))
	var lifecycle *cdktf.TerraformResourceLifecycle
	if props.PreventDestroy {
		lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	var readers []string
	if props.ReaderRoleARNs != nil {
		for _, arn := range *props.ReaderRoleARNs {
			readers = append(readers, *arn)
		}
	}

	// The private bucket uses its own storage key, not the attestation-gated
	// key of constructs/attestedkey: S3 SSE-KMS calls KMS on behalf of the
	// caller without an enclave attestation document, so an attestation-only
	// key would make the bucket unreadable. The key shares are encrypted by
	// the enclave itself with the attested key before they reach S3; this key
	// is a second layer that confines reads to the reader roles through S3.
	key := kmskey.NewKmsKey(c, jsii.String("storage-key"), &kmskey.KmsKeyConfig{
		Description:          jsii.String("Storage key of the private vault bucket " + props.PrivateBucketName),
		KeyUsage:             jsii.String("ENCRYPT_DECRYPT"),
		EnableKeyRotation:    jsii.Bool(true),
		DeletionWindowInDays: jsii.Number(attestedkey.DefaultDeletionWindowDays),
		Policy:               StorageKeyPolicy(props.Partition, props.AccountID, props.Region, readers).JSON(),
		Tags:                 tagMap(props.Tags, map[string]string{"Name": props.PrivateBucketName + "-storage"}),
		Lifecycle:            lifecycle,
	})

	private, _ := newBucket(c, bucketSpec{
		id: "private", name: props.PrivateBucketName, kind: "private-vault", purpose: "mpc-private-storage",
		access:     publicAccess{blockACLs: true, ignoreACLs: true, blockPolicy: true, restrictBuckets: true},
		encryption: kmsEncryption(key.Arn()),
		grants:     func(string) []policy.Statement { return nil },
		tags:       props.Tags, lifecycle: lifecycle, days: props.NoncurrentVersionDays,
	})

	public, _ := newBucket(c, bucketSpec{
		id: "public", name: props.PublicBucketName, kind: "public-vault", purpose: "mpc-public-storage",
		// Exception to "block all public access": the public bucket policy
		// must be allowed (block_public_policy=false) and honoured for
		// anonymous callers (restrict_public_buckets=false). ACLs stay
		// blocked and ignored: the policy is the only grant.
		access: publicAccess{blockACLs: true, ignoreACLs: true, blockPolicy: false, restrictBuckets: false},
		// SSE-S3, not KMS: anonymous readers and peers in other accounts
		// fetch these objects without any KMS permission, and a KMS-encrypted
		// object can only be read by a caller allowed to decrypt with the key.
		// The content is public by design, so nothing is lost.
		encryption: &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{
			ApplyServerSideEncryptionByDefault: &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA{
				SseAlgorithm: jsii.String("AES256"),
			},
		},
		// The one deliberate public grant of the product: anyone may read an
		// object whose key they know (peers fetch public keys and CA
		// certificates from other accounts, clients without credentials).
		// Listing only under the CA prefixes (CAListingStatement): listing
		// the whole bucket would expose its inventory. No write of any kind.
		grants: func(arn string) []policy.Statement {
			grants := []policy.Statement{{
				Sid:       SidPublicRead,
				Effect:    policy.Allow,
				Principal: "*",
				Action:    []string{"s3:GetObject"},
				Resource:  []string{arn + "/*"},
			}}
			if len(props.CAPartyIDs) > 0 {
				grants = append(grants, CAListingStatement(arn, props.CAPartyIDs))
			}
			return grants
		},
		tags: props.Tags, lifecycle: lifecycle, days: props.NoncurrentVersionDays,
	})
	s3bucketcorsconfiguration.NewS3BucketCorsConfiguration(c, jsii.String("public-cors"), &s3bucketcorsconfiguration.S3BucketCorsConfigurationConfig{
		Bucket: public.Id(),
		CorsRule: []*s3bucketcorsconfiguration.S3BucketCorsConfigurationCorsRule{{
			AllowedHeaders: jsii.Strings("Authorization"),
			AllowedMethods: jsii.Strings("GET", "HEAD"),
			AllowedOrigins: jsii.Strings("*"),
			ExposeHeaders:  jsii.Strings("Access-Control-Allow-Origin"),
		}},
	})

	publicDomain := public.BucketRegionalDomainName()
	return &Vault{
		PrivateBucket:                   private,
		PublicBucket:                    public,
		StorageKey:                      key,
		PrivateBucketName:               private.Bucket(),
		PrivateBucketARN:                private.Arn(),
		PrivateBucketRegionalDomainName: private.BucketRegionalDomainName(),
		PublicBucketName:                public.Bucket(),
		PublicBucketARN:                 public.Arn(),
		PublicBucketRegionalDomainName:  publicDomain,
		PublicURL:                       jsii.String("https://" + *publicDomain),
		StorageKeyARN:                   key.Arn(),
		StorageKeyID:                    key.KeyId(),
	}
}

// newBucket creates one vault bucket with ownership, versioning, encryption,
// public access block, bucket policy (after the public access block) and
// lifecycle rules (after versioning).
func newBucket(c constructs.Construct, spec bucketSpec) (s3bucket.S3Bucket, s3bucketversioning.S3BucketVersioningA) {
	name := func(suffix string) *string { return jsii.String(spec.id + "-" + suffix) }
	prov := spec.provider
	bucket := s3bucket.NewS3Bucket(c, name("bucket"), &s3bucket.S3BucketConfig{
		Bucket: jsii.String(spec.name),
		// Never force-destroy a vault: a destroy must fail rather than delete key material.
		ForceDestroy: jsii.Bool(false),
		Tags:         tagMap(spec.tags, map[string]string{"Name": spec.name, "Type": spec.kind, "Purpose": spec.purpose}),
		Lifecycle:    spec.lifecycle,
		Provider:     prov,
	})
	// Every getter is a round trip to the jsii runtime: read the id once.
	bucketID := bucket.Id()
	s3bucketownershipcontrols.NewS3BucketOwnershipControls(c, name("ownership"), &s3bucketownershipcontrols.S3BucketOwnershipControlsConfig{
		Bucket:   bucketID,
		Provider: prov,
		Rule:     &s3bucketownershipcontrols.S3BucketOwnershipControlsRule{ObjectOwnership: jsii.String("BucketOwnerEnforced")},
	})
	versioning := s3bucketversioning.NewS3BucketVersioningA(c, name("versioning"), &s3bucketversioning.S3BucketVersioningAConfig{
		Bucket:                  bucketID,
		Provider:                prov,
		VersioningConfiguration: &s3bucketversioning.S3BucketVersioningVersioningConfiguration{Status: jsii.String("Enabled")},
	})
	s3bucketserversideencryptionconfiguration.NewS3BucketServerSideEncryptionConfigurationA(c, name("encryption"), &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationAConfig{
		Bucket:   bucketID,
		Provider: prov,
		Rule:     []*s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{spec.encryption},
	})
	pab := s3bucketpublicaccessblock.NewS3BucketPublicAccessBlock(c, name("public-access-block"), &s3bucketpublicaccessblock.S3BucketPublicAccessBlockConfig{
		Bucket:                bucketID,
		Provider:              prov,
		BlockPublicAcls:       jsii.Bool(spec.access.blockACLs),
		IgnorePublicAcls:      jsii.Bool(spec.access.ignoreACLs),
		BlockPublicPolicy:     jsii.Bool(spec.access.blockPolicy),
		RestrictPublicBuckets: jsii.Bool(spec.access.restrictBuckets),
	})
	arn := *bucket.Arn()
	// The policy waits for the public access block: a new bucket blocks
	// public policies until its block is relaxed, so applying a public
	// policy first fails with AccessDenied.
	s3bucketpolicy.NewS3BucketPolicy(c, name("policy"), &s3bucketpolicy.S3BucketPolicyConfig{
		Bucket:    bucketID,
		Provider:  prov,
		Policy:    policy.New(append(spec.grants(arn), TLSOnlyStatement(arn))...).JSON(),
		DependsOn: &[]cdktf.ITerraformDependable{pab},
	})
	days := spec.days
	if days == 0 {
		days = DefaultNoncurrentVersionDays
	}
	s3bucketlifecycleconfiguration.NewS3BucketLifecycleConfiguration(c, name("lifecycle"), &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationConfig{
		Bucket:   bucketID,
		Provider: prov,
		Rule: []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRule{{
			Id:     jsii.String("expire-noncurrent-versions"),
			Status: jsii.String("Enabled"),
			Filter: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleFilter{Prefix: jsii.String("")},
			NoncurrentVersionExpiration: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration{
				NoncurrentDays: jsii.Number(float64(days)),
			},
			AbortIncompleteMultipartUpload: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload{
				DaysAfterInitiation: jsii.Number(AbortIncompleteUploadDays),
			},
		}},
		// Lifecycle rules on noncurrent versions need versioning in place first.
		DependsOn: &[]cdktf.ITerraformDependable{versioning},
	})
	return bucket, versioning
}

// tagMap merges the user's tags with the construct's own (which win).
func tagMap(user, own map[string]string) *map[string]*string {
	res := make(map[string]*string, len(user)+len(own))
	for _, m := range []map[string]string{user, own} {
		for k, v := range m {
			res[k] = jsii.String(v)
		}
	}
	return &res
}
