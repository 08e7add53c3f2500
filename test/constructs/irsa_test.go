package constructs_test

import (
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/irsa"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/test/synthtest"
)

func irsaSynth(t *testing.T) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) {
		irsa.New(s, "party", &irsa.Props{
			RoleName:        "mpc-local-p1",
			OIDCProviderARN: jsii.String("arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
			OIDCIssuer:      jsii.String("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
			Namespace:       "mpc",
			ServiceAccount:  "mpc-party",
			Policy: policy.New(policy.Statement{
				Effect: policy.Allow, Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"},
			}),
		})
	})
}

func TestIRSATrustIsScopedToOneServiceAccountAndAudience(t *testing.T) {
	doc := irsaSynth(t)
	role := doc.Resource("aws_iam_role")
	if role["name"] != "mpc-local-p1" {
		t.Fatalf("role name = %v", role["name"])
	}
	trust := role["assume_role_policy"].(string)
	stmts := synthtest.Statements(doc.Policy(strings.ReplaceAll(trust, `${replace("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "https://", "")}`, "HOST")))
	if len(stmts) != 1 {
		t.Fatalf("want one trust statement, got %d: %s", len(stmts), trust)
	}
	st := stmts[0]
	if got := synthtest.Strings(st["Action"]); len(got) != 1 || got[0] != "sts:AssumeRoleWithWebIdentity" {
		t.Errorf("trust actions = %v, want only sts:AssumeRoleWithWebIdentity", got)
	}
	fed, _ := st["Principal"].(map[string]any)["Federated"].(string)
	if !strings.HasSuffix(fed, ":oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC") {
		t.Errorf("federated principal = %q", fed)
	}
	eq, _ := st["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	if eq["HOST:sub"] != "system:serviceaccount:mpc:mpc-party" {
		t.Errorf("sub condition = %v, want the one service account", eq["HOST:sub"])
	}
	if eq["HOST:aud"] != "sts.amazonaws.com" {
		t.Errorf("aud condition = %v, want sts.amazonaws.com", eq["HOST:aud"])
	}
	if len(eq) != 2 {
		t.Errorf("StringEquals has %d keys, want exactly sub and aud: %v", len(eq), eq)
	}
}

func TestIRSAPolicyIsAttached(t *testing.T) {
	doc := irsaSynth(t)
	pol := doc.Resource("aws_iam_policy")
	if pol["name"] != "mpc-local-p1" {
		t.Errorf("policy name = %v, want the role name by default", pol["name"])
	}
	att := doc.Resource("aws_iam_role_policy_attachment")
	if arn, _ := att["policy_arn"].(string); !strings.HasPrefix(arn, "${aws_iam_policy.") || !strings.HasSuffix(arn, ".arn}") {
		t.Errorf("attachment policy_arn = %v", att["policy_arn"])
	}
}

// A role whose permissions all come from resource policies (a KMS key
// policy naming it) gets no IAM policy at all.
func TestIRSAWithoutStatementsCreatesNoPolicy(t *testing.T) {
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		irsa.New(s, "connector", &irsa.Props{
			RoleName:        "mpc-local-alice-connector",
			OIDCProviderARN: jsii.String("arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
			OIDCIssuer:      jsii.String("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"),
			Namespace:       "mpc",
			ServiceAccount:  "mpc-party-connector",
		})
	})
	if n := len(doc.Resources("aws_iam_policy")) + len(doc.Resources("aws_iam_role_policy_attachment")); n != 0 {
		t.Errorf("%d policies or attachments for a role without statements", n)
	}
	if n := len(doc.Resources("aws_iam_role")); n != 1 {
		t.Errorf("%d roles", n)
	}
}
