package constructs_test

import (
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/vault"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	vaultPrivateName = "mpc-vault-private-local-p1"
	vaultPublicName  = "mpc-vault-public-local-p1"
	vaultReaderARN   = "arn:aws:iam::111122223333:role/mpc-local-p1"
)

func vaultSynth(t *testing.T, mutate func(*vault.Props)) *synthtest.Doc {
	p := &vault.Props{
		PrivateBucketName: vaultPrivateName,
		PublicBucketName:  vaultPublicName,
		ReaderRoleARNs:    jsii.Strings(vaultReaderARN),
		Region:            jsii.String("eu-west-1"),
		AccountID:         jsii.String("111122223333"),
	}
	if mutate != nil {
		mutate(p)
	}
	return synthtest.Stack(t, func(s constructs.Construct) { vault.New(s, "vault", p) })
}

// vaultByBucket returns the resource of a type whose bucket attribute refers to
// the bucket named name (private or public), keyed by that word.
func vaultByBucket(t *testing.T, doc *synthtest.Doc, typ string) map[string]synthtest.Object {
	t.Helper()
	ids := map[string]string{}
	for id, b := range doc.Resources("aws_s3_bucket") {
		switch b["bucket"] {
		case vaultPrivateName:
			ids["private"] = id
		case vaultPublicName:
			ids["public"] = id
		}
	}
	res := map[string]synthtest.Object{}
	for _, r := range doc.Resources(typ) {
		ref, _ := r["bucket"].(string)
		for which, id := range ids {
			if strings.HasPrefix(ref, "${aws_s3_bucket."+id+".") {
				res[which] = r
			}
		}
	}
	if len(res) != 2 {
		t.Fatalf("%s: want one per bucket, got %v", typ, synthtest.Names(res))
	}
	return res
}

func vaultPolicyOf(t *testing.T, doc *synthtest.Doc, which string) map[string]synthtest.Object {
	t.Helper()
	res := map[string]synthtest.Object{}
	for _, st := range synthtest.Statements(doc.Policy(vaultByBucket(t, doc, "aws_s3_bucket_policy")[which]["policy"])) {
		res[st["Sid"].(string)] = st
	}
	return res
}

func TestVaultEncryption(t *testing.T) {
	doc := vaultSynth(t, nil)
	enc := vaultByBucket(t, doc, "aws_s3_bucket_server_side_encryption_configuration")
	keys := doc.Resources("aws_kms_key")
	if len(keys) != 1 {
		t.Fatalf("want one storage key, got %v", synthtest.Names(keys))
	}
	keyARN := "${aws_kms_key." + synthtest.Names(keys)[0] + ".arn}"

	priv := synthtest.Block(enc["private"], "rule")
	def := synthtest.Block(priv, "apply_server_side_encryption_by_default")
	if def["sse_algorithm"] != "aws:kms" || def["kms_master_key_id"] != keyARN {
		t.Errorf("private encryption = %v, want aws:kms with %s", def, keyARN)
	}
	if priv["bucket_key_enabled"] != true {
		t.Errorf("private bucket_key_enabled = %v, want true", priv["bucket_key_enabled"])
	}
	pub := synthtest.Block(synthtest.Block(enc["public"], "rule"), "apply_server_side_encryption_by_default")
	if pub["sse_algorithm"] != "AES256" || pub["kms_master_key_id"] != nil {
		t.Errorf("public encryption = %v, want AES256 without a KMS key", pub)
	}
	if keys[synthtest.Names(keys)[0]]["enable_key_rotation"] != true {
		t.Error("storage key rotation is off")
	}
}

func TestVaultVersioningOnBoth(t *testing.T) {
	for which, v := range vaultByBucket(t, vaultSynth(t, nil), "aws_s3_bucket_versioning") {
		if got := synthtest.Block(v, "versioning_configuration")["status"]; got != "Enabled" {
			t.Errorf("%s versioning = %v, want Enabled", which, got)
		}
	}
}

func TestVaultOwnershipEnforcedOnBoth(t *testing.T) {
	for which, o := range vaultByBucket(t, vaultSynth(t, nil), "aws_s3_bucket_ownership_controls") {
		if got := synthtest.Block(o, "rule")["object_ownership"]; got != "BucketOwnerEnforced" {
			t.Errorf("%s ownership = %v, want BucketOwnerEnforced", which, got)
		}
	}
}

func TestVaultPublicAccessBlocks(t *testing.T) {
	pab := vaultByBucket(t, vaultSynth(t, nil), "aws_s3_bucket_public_access_block")
	flags := []string{"block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"}
	wantPublic := map[string]bool{"block_public_acls": true, "ignore_public_acls": true, "block_public_policy": false, "restrict_public_buckets": false}
	for _, f := range flags {
		if pab["private"][f] != true {
			t.Errorf("private %s = %v, want true", f, pab["private"][f])
		}
		if pab["public"][f] != wantPublic[f] {
			t.Errorf("public %s = %v, want %v", f, pab["public"][f], wantPublic[f])
		}
	}
}

func TestVaultTLSOnlyDenyOnBoth(t *testing.T) {
	doc := vaultSynth(t, nil)
	for _, which := range []string{"private", "public"} {
		st, ok := vaultPolicyOf(t, doc, which)["DenyInsecureTransport"]
		if !ok {
			t.Errorf("%s policy has no TLS-only statement", which)
			continue
		}
		cond, _ := st["Condition"].(map[string]any)
		b, _ := cond["Bool"].(map[string]any)
		if st["Effect"] != "Deny" || st["Principal"] != "*" || b["aws:SecureTransport"] != "false" ||
			!reflect.DeepEqual(synthtest.Strings(st["Action"]), []string{"s3:*"}) {
			t.Errorf("%s TLS statement = %v", which, st)
		}
		res := synthtest.Strings(st["Resource"])
		if len(res) != 2 || !strings.HasSuffix(res[1], res[0]+"/*") {
			t.Errorf("%s TLS statement resources = %v, want the bucket and its objects", which, res)
		}
	}
	if n := len(vaultPolicyOf(t, doc, "private")); n != 1 {
		t.Errorf("private policy has %d statements, want only the TLS Deny", n)
	}
}

// The public bucket must not allow anonymous ListBucket, which would expose
// its inventory. The only Allow is GetObject on objects; nothing lists or
// writes.
func TestVaultPublicPolicyAllowsOnlyGetObjectOnObjects(t *testing.T) {
	doc := vaultSynth(t, nil)
	stmts := vaultPolicyOf(t, doc, "public")
	var allows []synthtest.Object
	for _, st := range stmts {
		if st["Effect"] == "Allow" {
			allows = append(allows, st)
		}
	}
	if len(allows) != 1 {
		t.Fatalf("public policy has %d Allow statements, want 1", len(allows))
	}
	st := allows[0]
	if st["Sid"] != "PublicRead" || st["Principal"] != "*" {
		t.Errorf("public allow = %v", st)
	}
	if got := synthtest.Strings(st["Action"]); !reflect.DeepEqual(got, []string{"s3:GetObject"}) {
		t.Errorf("public actions = %v, want only s3:GetObject", got)
	}
	res := synthtest.Strings(st["Resource"])
	if len(res) != 1 || !strings.HasPrefix(res[0], "${aws_s3_bucket.") || !strings.HasSuffix(res[0], ".arn}/*") {
		t.Errorf("public resources = %v, want only the objects of the bucket", res)
	}
	for _, forbidden := range []string{"s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy"} {
		for _, a := range synthtest.Strings(st["Action"]) {
			if ok, _ := path.Match(a, forbidden); ok {
				t.Errorf("public policy grants %s through %s", forbidden, a)
			}
		}
	}
}

// Each bucket policy waits for the bucket's public access block: racing it,
// a public policy fails with AccessDenied while the new bucket still blocks
// public policies.
func TestVaultBucketPolicyDependsOnPublicAccessBlock(t *testing.T) {
	doc := vaultSynth(t, nil)
	pabs := vaultByBucket(t, doc, "aws_s3_bucket_public_access_block")
	pabIDs := map[string]string{}
	for id, r := range doc.Resources("aws_s3_bucket_public_access_block") {
		for which, p := range pabs {
			if reflect.DeepEqual(p, r) {
				pabIDs[which] = id
			}
		}
	}
	for which, pol := range vaultByBucket(t, doc, "aws_s3_bucket_policy") {
		want := "aws_s3_bucket_public_access_block." + pabIDs[which]
		if deps := synthtest.Strings(pol["depends_on"]); !reflect.DeepEqual(deps, []string{want}) {
			t.Errorf("%s policy depends_on = %v, want [%s]", which, deps, want)
		}
	}
}

func TestVaultPreventDestroyOnlyWhenAsked(t *testing.T) {
	check := func(doc *synthtest.Doc, want bool) {
		t.Helper()
		for _, typ := range []string{"aws_s3_bucket", "aws_kms_key"} {
			for id, r := range doc.Resources(typ) {
				lc, _ := r["lifecycle"].(map[string]any)
				got := lc["prevent_destroy"] == true
				if got != want {
					t.Errorf("%s.%s lifecycle = %v, want prevent_destroy %v", typ, id, r["lifecycle"], want)
				}
				if !want && r["lifecycle"] != nil {
					t.Errorf("%s.%s has a lifecycle block %v although PreventDestroy is off", typ, id, r["lifecycle"])
				}
			}
		}
	}
	check(vaultSynth(t, func(p *vault.Props) { p.PreventDestroy = true }), true)
	check(vaultSynth(t, nil), false)
}

// A destroy of a non-empty vault fails rather than lose key material: a
// vault is never force-destroyed.
func TestVaultNoForceDestroy(t *testing.T) {
	for id, b := range vaultSynth(t, nil).Resources("aws_s3_bucket") {
		if b["force_destroy"] != false {
			t.Errorf("bucket %s force_destroy = %v, want false", id, b["force_destroy"])
		}
	}
}

func TestVaultStorageKeyPolicyGivesRootNoCryptoAndReadersOnlyThroughS3(t *testing.T) {
	doc := vaultSynth(t, nil)
	crypto := []string{"kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair"}
	stmts := synthtest.Statements(doc.Policy(doc.Resource("aws_kms_key")["policy"]))
	if len(stmts) != 2 {
		t.Fatalf("storage key policy has %d statements, want administration and readers", len(stmts))
	}
	for _, st := range stmts {
		principals := synthtest.Strings(st["Principal"].(map[string]any)["AWS"])
		switch {
		case reflect.DeepEqual(principals, []string{"arn:aws:iam::111122223333:root"}):
			for _, pattern := range synthtest.Strings(st["Action"]) {
				for _, a := range crypto {
					if ok, _ := path.Match(pattern, a); ok || pattern == "*" {
						t.Errorf("root is granted %s through %s", a, pattern)
					}
				}
			}
		case reflect.DeepEqual(principals, []string{vaultReaderARN}):
			want := []string{"kms:Decrypt", "kms:GenerateDataKey*", "kms:Encrypt", "kms:DescribeKey"}
			if got := synthtest.Strings(st["Action"]); !reflect.DeepEqual(got, want) {
				t.Errorf("reader actions = %v, want %v", got, want)
			}
			eq, _ := st["Condition"].(map[string]any)["StringEquals"].(map[string]any)
			if len(eq) != 1 || eq["kms:ViaService"] != "s3.eu-west-1.amazonaws.com" {
				t.Errorf("reader condition = %v, want kms:ViaService s3.eu-west-1.amazonaws.com only", st["Condition"])
			}
		default:
			t.Errorf("unexpected principal %v in storage key policy", principals)
		}
	}
}

func TestVaultLifecycleExpiresNoncurrentVersionsAndAbortsUploads(t *testing.T) {
	for _, tc := range []struct {
		days int
		want float64
	}{{0, 90}, {30, 30}} {
		doc := vaultSynth(t, func(p *vault.Props) { p.NoncurrentVersionDays = tc.days })
		for which, lc := range vaultByBucket(t, doc, "aws_s3_bucket_lifecycle_configuration") {
			rule := synthtest.Block(lc, "rule")
			if rule["status"] != "Enabled" {
				t.Errorf("%s rule status = %v", which, rule["status"])
			}
			if got := synthtest.Block(rule, "noncurrent_version_expiration")["noncurrent_days"]; got != tc.want {
				t.Errorf("%s noncurrent_days = %v, want %v", which, got, tc.want)
			}
			if got := synthtest.Block(rule, "abort_incomplete_multipart_upload")["days_after_initiation"]; got != float64(7) {
				t.Errorf("%s abort days = %v, want 7", which, got)
			}
		}
	}
}

func TestVaultPublicCORS(t *testing.T) {
	doc := vaultSynth(t, nil)
	cors := doc.Resource("aws_s3_bucket_cors_configuration")
	rules, _ := cors["cors_rule"].([]any)
	if len(rules) != 1 {
		t.Fatalf("want one CORS rule, got %v", cors["cors_rule"])
	}
	r := rules[0].(map[string]any)
	for attr, want := range map[string][]string{
		"allowed_headers": {"Authorization"}, "allowed_methods": {"GET", "HEAD"},
		"allowed_origins": {"*"}, "expose_headers": {"Access-Control-Allow-Origin"},
	} {
		if got := synthtest.Strings(r[attr]); !reflect.DeepEqual(got, want) {
			t.Errorf("CORS %s = %v, want %v", attr, got, want)
		}
	}
	for id, b := range doc.Resources("aws_s3_bucket") {
		if b["bucket"] == vaultPublicName && cors["bucket"] != "${aws_s3_bucket."+id+".id}" {
			t.Errorf("CORS bucket = %v, want the public bucket", cors["bucket"])
		}
	}
}

func TestVaultPublicURLUsesRegionalDomain(t *testing.T) {
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		v := vault.New(s, "vault", &vault.Props{
			PrivateBucketName: vaultPrivateName, PublicBucketName: vaultPublicName,
			Region: jsii.String("eu-west-1"), AccountID: jsii.String("111122223333"),
		})
		// Expose the URL as an output so the synthesized text can be checked.
		out := cdktf.NewTerraformOutput(s, jsii.String("public_url"), &cdktf.TerraformOutputConfig{Value: v.PublicURL})
		out.OverrideLogicalId(jsii.String("public_url"))
	})
	got, _ := doc.Outputs()["public_url"]["value"].(string)
	for id, b := range doc.Resources("aws_s3_bucket") {
		if b["bucket"] == vaultPublicName {
			if want := "https://${aws_s3_bucket." + id + ".bucket_regional_domain_name}"; got != want {
				t.Errorf("public URL = %q, want %q", got, want)
			}
		}
	}
}

// With the mesh's party ids, the public bucket may be listed by anyone only
// with a prefix equal to one of their CA prefixes: never the whole bucket,
// another prefix, or the private bucket.
func TestVaultPublicListingOnlyUnderCAPrefixes(t *testing.T) {
	doc := vaultSynth(t, func(p *vault.Props) { p.CAPartyIDs = []int{1, 2, 4} })
	public := vaultPolicyOf(t, doc, "public")
	st, ok := public[vault.SidCACertListing]
	if !ok {
		t.Fatalf("public policy has no %s statement: %v", vault.SidCACertListing, public)
	}
	if st["Effect"] != "Allow" || st["Principal"] != "*" {
		t.Errorf("listing statement = %v", st)
	}
	if got := synthtest.Strings(st["Action"]); !reflect.DeepEqual(got, []string{"s3:ListBucket"}) {
		t.Errorf("listing actions = %v, want only s3:ListBucket", got)
	}
	if res := synthtest.Strings(st["Resource"]); len(res) != 1 || !strings.HasSuffix(res[0], ".arn}") {
		t.Errorf("listing resources = %v, want only the bucket", res)
	}
	cond, _ := st["Condition"].(map[string]any)
	if len(cond) != 1 {
		t.Fatalf("listing condition = %v, want exactly one operator", cond)
	}
	eq, _ := cond["StringEquals"].(map[string]any)
	if len(eq) != 1 {
		t.Fatalf("listing condition = %v, want StringEquals on s3:prefix alone", cond)
	}
	want := []string{"PUB-p1/CACert/", "PUB-p2/CACert/", "PUB-p4/CACert/"}
	if got := synthtest.Strings(eq["s3:prefix"]); !reflect.DeepEqual(got, want) {
		t.Errorf("listable prefixes = %v, want exactly %v", got, want)
	}
	// Every other Allow of the public bucket is the object read; nothing
	// else lists, and the private bucket lists nothing.
	for sid, s := range public {
		if s["Effect"] == "Allow" && sid != vault.SidCACertListing && sid != vault.SidPublicRead {
			t.Errorf("unexpected public Allow %s: %v", sid, s)
		}
	}
	for sid, s := range vaultPolicyOf(t, doc, "private") {
		if s["Effect"] == "Allow" {
			t.Errorf("private bucket policy Allows %s: %v", sid, s)
		}
	}
}

// Without party ids the bucket refuses all listing, as before.
func TestVaultPublicListingOffByDefault(t *testing.T) {
	if _, ok := vaultPolicyOf(t, vaultSynth(t, nil), "public")[vault.SidCACertListing]; ok {
		t.Error("a vault given no party ids grants listing")
	}
}
