package guard_test

import (
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/guard"
)

var rules = guard.Rules{MPCPorts: []int{50100, 50001, 9646}}

// provider is a stack header with one AWS provider and its default tags.
const provider = `"provider": {"aws": [{"region": "eu-west-1", "default_tags": [{"tags": {"mpc:party": "alice", "Project": "mpc-mesh"}}]}]}`

// check runs the guard on a stack made of the provider header and the given
// top-level sections, and returns the violations.
func check(t *testing.T, sections string) []guard.Violation {
	t.Helper()
	found, err := guard.Check("test-stack", []byte("{"+provider+","+sections+"}"), rules)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// only asserts exactly one violation of rule on resource, and returns it.
func only(t *testing.T, found []guard.Violation, rule, resource string) guard.Violation {
	t.Helper()
	if len(found) != 1 || found[0].Rule != rule || found[0].Resource != resource {
		t.Fatalf("want one %s violation on %s, got %v", rule, resource, found)
	}
	return found[0]
}

func none(t *testing.T, found []guard.Violation) {
	t.Helper()
	if len(found) != 0 {
		t.Fatalf("want no violation, got %v", found)
	}
}

func TestOpenIngressOnMPCPortFires(t *testing.T) {
	cases := map[string]struct{ resources, addr string }{
		"vpc rule ipv4": {`"aws_vpc_security_group_ingress_rule": {"r": {"ip_protocol": "tcp", "from_port": 50001, "to_port": 50001, "cidr_ipv4": "0.0.0.0/0"}}`,
			"aws_vpc_security_group_ingress_rule.r"},
		"vpc rule ipv6 all protocols": {`"aws_vpc_security_group_ingress_rule": {"r": {"ip_protocol": "-1", "cidr_ipv6": "::/0"}}`,
			"aws_vpc_security_group_ingress_rule.r"},
		"legacy rule range": {`"aws_security_group_rule": {"r": {"type": "ingress", "protocol": "tcp", "from_port": 9000, "to_port": 10000, "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}}`,
			"aws_security_group_rule.r"},
		"inline ingress": {`"aws_security_group": {"g": {"ingress": [{"protocol": "tcp", "from_port": 50100, "to_port": 50100, "cidr_blocks": [], "ipv6_cidr_blocks": ["::/0"]}]}}`,
			"aws_security_group.g (inline ingress)"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v := only(t, check(t, `"resource": {`+tc.resources+`}`), guard.RuleOpenIngress, tc.addr)
			if !strings.Contains(v.String(), "stack test-stack") || !strings.Contains(v.Fix, "peers") {
				t.Errorf("message does not name the stack and the fix: %s", v)
			}
		})
	}
}

func TestOpenIngressGuardIgnoresOtherPortsSourcesAndEgress(t *testing.T) {
	none(t, check(t, `"resource": {
		"aws_vpc_security_group_ingress_rule": {
			"https": {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0"},
			"peer": {"ip_protocol": "tcp", "from_port": 50001, "to_port": 50001, "cidr_ipv4": "203.0.113.50/32"},
			"udp": {"ip_protocol": "udp", "from_port": 50001, "to_port": 50001, "cidr_ipv4": "0.0.0.0/0"}},
		"aws_security_group_rule": {"egress": {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}}}`))
}

func TestWildcardActionFires(t *testing.T) {
	cases := map[string]string{
		"star":          `["*"]`,
		"service star":  `"s3:*"`,
		"within a list": `["ec2:DescribeAddresses", "ec2:*"]`,
	}
	for name, action := range cases {
		t.Run(name, func(t *testing.T) {
			doc := `{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Broad\",\"Effect\":\"Allow\",\"Action\":` + strings.ReplaceAll(action, `"`, `\"`) + `,\"Resource\":\"*\"}]}`
			v := only(t, check(t, `"resource": {"aws_iam_policy": {"p": {"policy": "`+doc+`"}}}`), guard.RuleWildcardAction, "aws_iam_policy.p")
			if !strings.Contains(v.Problem, `"Broad"`) {
				t.Errorf("problem does not name the statement: %s", v.Problem)
			}
		})
	}
}

func TestWildcardActionFiresInKeyBucketInlineAndDocumentPolicies(t *testing.T) {
	allowAll := `{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}`
	found := check(t, `"resource": {
		"aws_kms_key": {"k": {"policy": "`+allowAll+`"}},
		"aws_s3_bucket_policy": {"b": {"bucket": "x", "policy": "`+allowAll+`"}},
		"aws_iam_role": {"r": {"assume_role_policy": "{}", "inline_policy": [{"name": "i", "policy": "`+allowAll+`"}]}}},
		"data": {"aws_iam_policy_document": {"d": {"statement": [{"actions": ["iam:*"], "resources": ["*"]}]}}}`)
	want := map[string]bool{"aws_kms_key.k": true, "aws_s3_bucket_policy.b": true, "aws_iam_role.r": true, "data.aws_iam_policy_document.d": true}
	got := map[string]bool{}
	for _, v := range found {
		if v.Rule == guard.RuleWildcardAction {
			got[v.Resource] = true
		}
	}
	for r := range want {
		if !got[r] {
			t.Errorf("no wildcard-action violation on %s; got %v", r, found)
		}
	}
}

func TestAllowNotActionFires(t *testing.T) {
	doc := `{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":[\"iam:*\"],\"Resource\":\"*\"}]}`
	only(t, check(t, `"resource": {"aws_iam_policy": {"p": {"policy": "`+doc+`"}}}`), guard.RuleWildcardAction, "aws_iam_policy.p")
}

func TestDenyWildcardAndScopedWildcardsPass(t *testing.T) {
	// The vault's TLS-only Deny uses s3:*; the KMS administration set uses
	// prefixes such as kms:Create*. Neither grants a whole service.
	doc := `{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"},` +
		`{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"${aws_iam_role.r.arn}\"},\"Action\":[\"kms:Create*\",\"kms:Describe*\"],\"Resource\":\"*\",` +
		`\"Condition\":{\"StringEquals\":{\"${replace(data.aws_eks_cluster.c.identity[0].oidc[0].issuer, \"https://\", \"\")}:aud\":\"sts.amazonaws.com\"}}}]}`
	none(t, check(t, `"resource": {"aws_kms_key": {"k": {"policy": "`+doc+`"}}}`))
}

func TestUnreadablePolicyFires(t *testing.T) {
	only(t, check(t, `"resource": {"aws_iam_policy": {"p": {"policy": "${jsonencode(local.p)}"}}}`), guard.RuleUnreadablePolicy, "aws_iam_policy.p")
	none(t, check(t, `"resource": {"aws_iam_policy": {"p": {"policy": "${data.aws_iam_policy_document.d.json}"}}}`))
}

// versioning enables versioning of the bucket named vault.
const versioning = `"aws_s3_bucket_versioning": {"v": {"bucket": "${aws_s3_bucket.b.id}", "versioning_configuration": {"status": "Enabled"}}}`

// bucket returns a versioned bucket and, when asked, its encryption and
// public access block.
func bucket(encryption, pab string) string {
	res := `"aws_s3_bucket": {"b": {"bucket": "vault"}}, ` + versioning
	if encryption != "" {
		res += `, "aws_s3_bucket_server_side_encryption_configuration": {"e": {"bucket": "` + encryption + `", "rule": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}]}}`
	}
	if pab != "" {
		res += `, "aws_s3_bucket_public_access_block": {"p": {"bucket": "` + pab + `", "block_public_acls": true, "ignore_public_acls": true, "block_public_policy": false, "restrict_public_buckets": false}}`
	}
	return `"resource": {` + res + `}`
}

func TestBucketWithoutEncryptionFires(t *testing.T) {
	v := only(t, check(t, bucket("", "${aws_s3_bucket.b.id}")), guard.RuleBucketEncryption, "aws_s3_bucket.b")
	if !strings.Contains(v.Fix, "aws_s3_bucket_server_side_encryption_configuration") {
		t.Errorf("fix does not say what to add: %s", v.Fix)
	}
}

func TestBucketWithoutPublicAccessBlockFires(t *testing.T) {
	only(t, check(t, bucket("${aws_s3_bucket.b.bucket}", "")), guard.RuleBucketPublicAccess, "aws_s3_bucket.b")
}

func TestPublicAccessBlockThatAdmitsACLsFires(t *testing.T) {
	found := check(t, `"resource": {"aws_s3_bucket": {"b": {"bucket": "vault"}},
		"aws_s3_bucket_server_side_encryption_configuration": {"e": {"bucket": "vault", "rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}}},
		"aws_s3_bucket_public_access_block": {"p": {"bucket": "vault", "block_public_acls": false, "ignore_public_acls": true}}, `+versioning+`}`)
	only(t, found, guard.RuleBucketPublicAccess, "aws_s3_bucket.b")
}

func TestBucketWithoutVersioningFires(t *testing.T) {
	found := check(t, `"resource": {"aws_s3_bucket": {"b": {"bucket": "vault"}},
		"aws_s3_bucket_versioning": {"v": {"bucket": "vault", "versioning_configuration": {"status": "Suspended"}}},
		"aws_s3_bucket_server_side_encryption_configuration": {"e": {"bucket": "vault", "rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}}},
		"aws_s3_bucket_public_access_block": {"p": {"bucket": "vault", "block_public_acls": true, "ignore_public_acls": true}}}`)
	only(t, found, guard.RuleBucketVersioning, "aws_s3_bucket.b")
}

func TestLaunchTemplateWithoutIMDSv2Fires(t *testing.T) {
	cases := map[string]string{
		"optional tokens":  `{"metadata_options": {"http_tokens": "optional"}}`,
		"no metadata set":  `{"name": "lt"}`,
		"tokens as a list": `{"metadata_options": [{"http_endpoint": "enabled"}]}`,
	}
	for name, lt := range cases {
		t.Run(name, func(t *testing.T) {
			only(t, check(t, `"resource": {"aws_launch_template": {"lt": `+lt+`}}`), guard.RuleIMDSv2, "aws_launch_template.lt")
		})
	}
	none(t, check(t, `"resource": {"aws_launch_template": {"lt": {"metadata_options": [{"http_tokens": "required"}]}}}`))
}

func TestBucketConfiguredByReferenceOrNamePasses(t *testing.T) {
	none(t, check(t, bucket("${aws_s3_bucket.b.id}", "vault")))
}

func TestDefaultTagOverrideFires(t *testing.T) {
	found := check(t, `"resource": {"aws_eip": {"e": {"tags": {"Name": "e", "mpc:party": "mallory"}}},
		"kubernetes_namespace_v1": {"n": {"metadata": {"labels": {"mpc:party": "x"}}}}}`)
	v := only(t, found, guard.RuleDefaultTagOverride, "aws_eip.e")
	if !strings.Contains(v.Problem, `"mpc:party"`) {
		t.Errorf("problem does not name the tag: %s", v.Problem)
	}
}

func TestDefaultTagsOfAnAliasedProvider(t *testing.T) {
	doc := `{"provider": {"aws": [{"region": "eu-west-1"}, {"alias": "west3", "region": "eu-west-3", "default_tags": {"tags": {"mpc:layer": "party"}}}]},
		"resource": {"aws_eip": {"a": {"tags": {"mpc:layer": "x"}}, "b": {"provider": "aws.west3", "tags": {"mpc:layer": "x"}}}}}`
	found, err := guard.Check("s", []byte(doc), rules)
	if err != nil {
		t.Fatal(err)
	}
	only(t, found, guard.RuleDefaultTagOverride, "aws_eip.b")
}

func TestCheckAllReportsEveryStack(t *testing.T) {
	bad := []byte(`{"resource": {"aws_s3_bucket": {"b": {}}}}`)
	err := guard.CheckAll(map[string][]byte{"one": bad, "two": bad, "fine": []byte(`{}`)}, func(string) guard.Rules { return rules })
	gerr, ok := err.(*guard.Error)
	if !ok {
		t.Fatalf("want *guard.Error, got %v", err)
	}
	if len(gerr.Violations) != 6 {
		t.Errorf("want 6 violations (3 bucket rules × 2 stacks), got %d: %v", len(gerr.Violations), err)
	}
	for _, s := range []string{"stack one:", "stack two:", "nothing was written"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not contain %q:\n%s", s, err)
		}
	}
}

func TestMalformedStackJSONIsAnError(t *testing.T) {
	if _, err := guard.Check("s", []byte("{"), rules); err == nil {
		t.Fatal("want an error for malformed JSON")
	}
}

// bucketPolicy is a stack with one bucket policy holding the statement.
func bucketPolicy(statement string) string {
	doc := `{"Version": "2012-10-17", "Statement": [` + statement + `]}`
	quoted := strings.ReplaceAll(doc, `"`, `\"`)
	return `"resource": {"aws_s3_bucket_policy": {"p": {"bucket": "b", "policy": "` + quoted + `"}}}`
}

func TestPublicListingFires(t *testing.T) {
	cases := map[string]string{
		"whole bucket":       `{"Sid": "L", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"]}`,
		"another prefix":     `{"Sid": "L", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"], "Condition": {"StringEquals": {"s3:prefix": ["PUB-p1/CACert/", "PRV-p1/"]}}}`,
		"private key prefix": `{"Sid": "L", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"], "Condition": {"StringEquals": {"s3:prefix": ["PUB-p1/PrivateKey/"]}}}`,
		"prefix pattern":     `{"Sid": "L", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"], "Condition": {"StringLike": {"s3:prefix": ["PUB-p1/CACert/*"]}}}`,
		"versions too":       `{"Sid": "L", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket", "s3:ListBucketVersions"], "Resource": ["arn:aws:s3:::b"], "Condition": {"StringEquals": {"s3:prefix": ["PUB-p1/CACert/"]}}}`,
		"wider by a 2nd key": `{"Sid": "L", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"], "Condition": {"StringEquals": {"s3:prefix": ["PUB-p1/CACert/"], "s3:delimiter": ["/"]}}}`,
	}
	for name, st := range cases {
		t.Run(name, func(t *testing.T) {
			v := only(t, check(t, bucketPolicy(st)), guard.RulePublicListing, "aws_s3_bucket_policy.p")
			if !strings.Contains(v.Fix, "PUB-p<id>/CACert/") {
				t.Errorf("fix does not name the exception: %s", v)
			}
		})
	}
}

func TestPublicListingOfCAPrefixesAndNamedListersPass(t *testing.T) {
	none(t, check(t, bucketPolicy(`{"Sid": "CACertListing", "Effect": "Allow", "Principal": "*", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"], "Condition": {"StringEquals": {"s3:prefix": ["PUB-p1/CACert/", "PUB-p12/CACert/"]}}}`)))
	none(t, check(t, bucketPolicy(`{"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]}, "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"]}`)))
}
