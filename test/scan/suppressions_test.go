package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func finding(stack, rule, resource string) Finding {
	return Finding{Stack: stack, LongID: rule, RuleID: "AVD-AWS-0000", Resource: resource, Severity: "HIGH"}
}

func TestApplySeparatesSuppressedUnsuppressedAndStale(t *testing.T) {
	sups := []Suppression{
		{Rule: "aws-s3-no-public-buckets", Resource: "aws_s3_bucket_public_access_block.vault_public-*", Reason: "public by design"},
		{Rule: "AVD-AWS-0000", Resource: "aws_iam_policy.kubeip-*", Stacks: "kubeip-demo-*", Reason: "by AVD id"},
		{Rule: "aws-ec2-no-public-ingress-sgr", Resource: "*", Reason: "never matches"},
	}
	findings := []Finding{
		finding("local-alice-party", "aws-s3-no-public-buckets", "aws_s3_bucket_public_access_block.vault_public-public-access-block_13814BDB"),
		finding("local-alice-party", "aws-s3-no-public-buckets", "aws_s3_bucket_public_access_block.vault_private-public-access-block_95F102FB"),
		finding("kubeip-demo-bob-party", "aws-iam-no-policy-wildcards", "aws_iam_policy.kubeip-role_irsa_policy_F510E9FE"),
		finding("local-bob-party", "aws-iam-no-policy-wildcards", "aws_iam_policy.kubeip-role_irsa_policy_F510E9FE"),
	}
	v := Apply(findings, sups)
	if len(v.Unsuppressed) != 2 || v.Unsuppressed[0].Resource != findings[1].Resource || v.Unsuppressed[1].Stack != "local-bob-party" {
		t.Errorf("unsuppressed = %v, want the private bucket's block and the finding outside the stack pattern", v.Unsuppressed)
	}
	if len(v.Stale) != 1 || v.Stale[0].Rule != "aws-ec2-no-public-ingress-sgr" {
		t.Errorf("stale = %v, want only the entry that matches nothing", v.Stale)
	}
	if v.Suppressed[0] != 1 || v.Suppressed[1] != 1 {
		t.Errorf("suppressed counts = %v, want [1 1 0]", v.Suppressed)
	}
}

func TestLoadSuppressionsRequiresAReason(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.yaml")
	data := "suppressions:\n  - rule: aws-s3-enable-bucket-logging\n    resource: aws_s3_bucket.x\n    reason: \"  \"\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSuppressions(file)
	if err == nil || !strings.Contains(err.Error(), "suppressions[0]") || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("want an error naming the entry and the missing reason, got %v", err)
	}
}

func TestLoadSuppressionsRefusesUnknownFields(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.yaml")
	data := "suppressions:\n  - rule: r\n    resources: aws_s3_bucket.x\n    reason: typo in a key\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSuppressions(file); err == nil {
		t.Fatal("want an error for the unknown field resources")
	}
}

func TestTheSuppressionFileLoads(t *testing.T) {
	sups, err := LoadSuppressions(SuppressionFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(sups) == 0 {
		t.Fatal("no suppression loaded")
	}
}
