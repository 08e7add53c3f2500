package constructs_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/backupvault"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	backupvaultPartyRole = "arn:aws:iam::111122223333:role/mpc-local-alice-party"
	backupvaultBucket    = "mpc-local-alice-111122223333-backup"
	backupvaultReplica   = "mpc-local-alice-111122223333-backup-rep"
)

func backupvaultSynth(t *testing.T, mutate func(*backupvault.Props)) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) {
		p := &backupvault.Props{
			BucketName:          backupvaultBucket,
			ReplicaBucketName:   backupvaultReplica,
			ReplicationRoleName: "mpc-local-alice-backup-replication",
			PartyRoleARN:        jsii.String(backupvaultPartyRole),
			Region:              "eu-west-1",
			ReplicaRegion:       "eu-west-3",
			AccountID:           jsii.String("111122223333"),
			ReplicaProvider:     backupkeyReplicaProvider(s),
		}
		if mutate != nil {
			mutate(p)
		}
		backupvault.New(s, "backup-vault", p)
	})
}

// backupvaultByBucket returns, for a bucket sub-resource type, the resource
// of the backup bucket and that of the replica (told apart by provider).
func backupvaultByBucket(t *testing.T, doc *synthtest.Doc, typ string) (source, replica synthtest.Object) {
	t.Helper()
	all := doc.Resources(typ)
	if len(all) != 2 {
		t.Fatalf("want 2 %s (backup and replica), got %v", typ, synthtest.Names(all))
	}
	for _, r := range all {
		if r["provider"] == "aws.replica" {
			replica = r
		} else {
			source = r
		}
	}
	if source == nil || replica == nil {
		t.Fatalf("%s: want one in each region (default provider and aws.replica)", typ)
	}
	return source, replica
}

// Neither bucket can be made public: all four public-access-block flags,
// ACLs disabled by owner enforcement, in both regions.
func TestBackupVaultBucketsBlockAllPublicAccess(t *testing.T) {
	doc := backupvaultSynth(t, nil)
	source, replica := backupvaultByBucket(t, doc, "aws_s3_bucket_public_access_block")
	for name, pab := range map[string]synthtest.Object{"backup": source, "replica": replica} {
		for _, flag := range []string{"block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"} {
			if pab[flag] != true {
				t.Errorf("%s bucket: %s = %v, want true", name, flag, pab[flag])
			}
		}
	}
	source, replica = backupvaultByBucket(t, doc, "aws_s3_bucket_ownership_controls")
	for name, o := range map[string]synthtest.Object{"backup": source, "replica": replica} {
		if got := synthtest.Block(o, "rule")["object_ownership"]; got != "BucketOwnerEnforced" {
			t.Errorf("%s bucket object ownership = %v", name, got)
		}
	}
	source, replica = backupvaultByBucket(t, doc, "aws_s3_bucket_versioning")
	for name, v := range map[string]synthtest.Object{"backup": source, "replica": replica} {
		if got := synthtest.Block(v, "versioning_configuration")["status"]; got != "Enabled" {
			t.Errorf("%s bucket versioning = %v", name, got)
		}
	}
}

// Each bucket is SSE-KMS under the storage key of its own region.
func TestBackupVaultBucketsEncryptedWithTheirRegionsKey(t *testing.T) {
	doc := backupvaultSynth(t, nil)
	source, replica := backupvaultByBucket(t, doc, "aws_s3_bucket_server_side_encryption_configuration")
	keys := doc.Resources("aws_kms_key")
	for name, enc := range map[string]synthtest.Object{"backup": source, "replica": replica} {
		def := synthtest.Block(synthtest.Block(enc, "rule"), "apply_server_side_encryption_by_default")
		ref, _ := def["kms_master_key_id"].(string)
		if def["sse_algorithm"] != "aws:kms" || !strings.HasPrefix(ref, "${aws_kms_key.") {
			t.Fatalf("%s bucket encryption = %v, want aws:kms with a customer key", name, def)
		}
		key := keys[strings.TrimSuffix(strings.TrimPrefix(ref, "${aws_kms_key."), ".arn}")]
		if key["enable_key_rotation"] != true {
			t.Errorf("%s bucket's storage key is not rotated", name)
		}
		if key["provider"] != enc["provider"] {
			t.Errorf("%s bucket's key is in another region (provider %v, bucket %v)", name, key["provider"], enc["provider"])
		}
	}
}

// Only the party role and the replication role may read or write the
// backup's objects, in both buckets; every request must use TLS.
func TestBackupVaultObjectsOnlyForPartyAndReplicationRoles(t *testing.T) {
	doc := backupvaultSynth(t, nil)
	source, replica := backupvaultByBucket(t, doc, "aws_s3_bucket_policy")
	for name, pol := range map[string]synthtest.Object{"backup": source, "replica": replica} {
		sids := map[string]synthtest.Object{}
		for _, st := range synthtest.Statements(doc.Policy(pol["policy"])) {
			sids[st["Sid"].(string)] = st
			if st["Effect"] == "Allow" {
				t.Errorf("%s bucket policy allows %v: access comes from the roles' own policies only", name, st["Action"])
			}
		}
		deny := sids[backupvault.SidOnlyNamedPrincipals]
		cond, _ := deny["Condition"].(map[string]any)
		arns, _ := cond["ArnNotEquals"].(map[string]any)
		allowed := synthtest.Strings(arns["aws:PrincipalArn"])
		if deny["Effect"] != "Deny" || deny["Principal"] != "*" || len(allowed) != 2 || allowed[0] != backupvaultPartyRole || !strings.HasPrefix(allowed[1], "${aws_iam_role.") {
			t.Errorf("%s bucket: object access is not confined to the party and replication roles: %v", name, deny)
		}
		for _, a := range []string{"s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"} {
			if !slices.Contains(synthtest.Strings(deny["Action"]), a) {
				t.Errorf("%s bucket: the Deny does not cover %s", name, a)
			}
		}
		if sids["DenyInsecureTransport"] == nil {
			t.Errorf("%s bucket has no TLS-only Deny", name)
		}
	}
}

// The replication role can be assumed by S3 for this bucket of this account
// only, and each of its statements reaches one bucket or one key; it cannot
// replicate deletes.
func TestBackupVaultReplicationRoleScope(t *testing.T) {
	doc := backupvaultSynth(t, nil)
	role := doc.Resource("aws_iam_role")
	trust := synthtest.Statements(doc.Policy(role["assume_role_policy"]))
	if len(trust) != 1 {
		t.Fatalf("trust policy has %d statements", len(trust))
	}
	tr := trust[0]
	cond, _ := tr["Condition"].(map[string]any)
	eq, _ := cond["StringEquals"].(map[string]any)
	like, _ := cond["ArnLike"].(map[string]any)
	if !reflect.DeepEqual(tr["Principal"], map[string]any{"Service": "s3.amazonaws.com"}) || eq["aws:SourceAccount"] != "111122223333" || like["aws:SourceArn"] != "arn:aws:s3:::"+backupvaultBucket {
		t.Errorf("trust = %v, want S3 for the backup bucket of the party's account only", tr)
	}
	want := map[string][]string{
		backupvault.SidReadSourceBucket:   {"s3:GetReplicationConfiguration", "s3:ListBucket"},
		backupvault.SidReadSourceVersions: {"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"},
		backupvault.SidWriteReplicas:      {"s3:ReplicateObject", "s3:ReplicateTags"},
		backupvault.SidDecryptSource:      {"kms:Decrypt"},
		backupvault.SidEncryptReplica:     {"kms:Encrypt", "kms:GenerateDataKey"},
	}
	stmts := synthtest.Statements(doc.Policy(doc.Resource("aws_iam_policy")["policy"]))
	if len(stmts) != len(want) {
		t.Errorf("replication policy has %d statements, want %d", len(stmts), len(want))
	}
	for _, st := range stmts {
		sid := st["Sid"].(string)
		if got := synthtest.Strings(st["Action"]); !reflect.DeepEqual(got, want[sid]) {
			t.Errorf("%s actions = %v, want %v", sid, got, want[sid])
		}
		res := synthtest.Strings(st["Resource"])
		if len(res) != 1 || strings.Contains(strings.TrimSuffix(res[0], "/*"), "*") {
			t.Errorf("%s reaches %v, want one bucket or key", sid, res)
		}
		if strings.HasPrefix(sid, "DecryptSource") || strings.HasPrefix(sid, "EncryptReplica") {
			c, _ := st["Condition"].(map[string]any)
			if c == nil {
				t.Errorf("%s is usable outside S3", sid)
			}
		}
	}
}

// The replication rule copies every SSE-KMS object to the replica, re-encrypted
// under the replica's key, and never copies delete markers.
func TestBackupVaultReplicationConfiguration(t *testing.T) {
	doc := backupvaultSynth(t, nil)
	rc := doc.Resource("aws_s3_bucket_replication_configuration")
	rule := synthtest.Block(rc, "rule")
	if rule["status"] != "Enabled" || synthtest.Block(rule, "delete_marker_replication")["status"] != "Disabled" {
		t.Errorf("rule status/delete markers = %v/%v", rule["status"], synthtest.Block(rule, "delete_marker_replication"))
	}
	if synthtest.Block(synthtest.Block(rule, "source_selection_criteria"), "sse_kms_encrypted_objects")["status"] != "Enabled" {
		t.Errorf("SSE-KMS objects are not selected for replication")
	}
	dest := synthtest.Block(rule, "destination")
	if ref, _ := synthtest.Block(dest, "encryption_configuration")["replica_kms_key_id"].(string); !strings.HasPrefix(ref, "${aws_kms_key.backup-vault_replica-storage-key") {
		t.Errorf("replicas are not encrypted under the replica's key: %v", ref)
	}
	if deps := synthtest.Strings(rc["depends_on"]); len(deps) != 2 {
		t.Errorf("replication depends on %v, want both versionings", deps)
	}
}

// Noncurrent versions expire after the configured days in both buckets, and
// prevent_destroy guards buckets and keys only when asked.
func TestBackupVaultRetentionAndPreventDestroy(t *testing.T) {
	for _, protect := range []bool{false, true} {
		doc := backupvaultSynth(t, func(p *backupvault.Props) { p.NoncurrentVersionDays = 400; p.PreventDestroy = protect })
		source, replica := backupvaultByBucket(t, doc, "aws_s3_bucket_lifecycle_configuration")
		for name, lc := range map[string]synthtest.Object{"backup": source, "replica": replica} {
			if got := synthtest.Block(synthtest.Block(lc, "rule"), "noncurrent_version_expiration")["noncurrent_days"]; got != float64(400) {
				t.Errorf("%s noncurrent days = %v", name, got)
			}
		}
		for _, typ := range []string{"aws_s3_bucket", "aws_kms_key"} {
			for n, r := range doc.Resources(typ) {
				lc, _ := r["lifecycle"].(map[string]any)
				if got := lc["prevent_destroy"] == true; got != protect {
					t.Errorf("PreventDestroy %v: %s prevent_destroy = %v", protect, n, lc["prevent_destroy"])
				}
			}
		}
	}
}
