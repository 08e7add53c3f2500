package stacks_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	awsiampolicy "github.com/cdktf/cdktf-provider-aws-go/aws/v19/iampolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/launchtemplate"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/guard"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/stacks"
	"github.com/mpc-mesh/infra/test/synthtest"
)

func TestMain(m *testing.M) { os.Exit(synthtest.Main(m)) }

// examples loads the example environments (all of them, or the named ones).
func examples(t *testing.T, only ...string) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", config.DefaultDir), only)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestGuardPassesEveryExampleEnvironment(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cdktf.out")
	if err := stacks.Synthesize(examples(t), stacks.Options{}, out); err != nil {
		t.Fatalf("the examples break the security guard: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Fatalf("no output written: %v", err)
	}
}

// refused builds one layer of alice in the local environment, lets bad add
// a construct to it, and asserts that synthesis fails with a guard error
// for rule on a resource whose address starts with resource, and that
// nothing is left in or next to the output folder.
func refused(t *testing.T, layer config.Layer, rule, resource string, bad func(b *stacks.Base)) {
	t.Helper()
	cfg := examples(t, "local")
	env := cfg.Environments[0]
	dir := t.TempDir()
	out := filepath.Join(dir, "cdktf.out")
	err := stacks.SynthesizeWith(cfg, out, func(app cdktf.App) error {
		bad(stacks.NewBase(app, env, env.ManagedParties()[0], layer, stacks.Options{}))
		return nil
	})
	var gerr *guard.Error
	if !errors.As(err, &gerr) {
		t.Fatalf("want a security guard error, got %v", err)
	}
	stack := "local-alice-" + string(layer)
	found := false
	for _, v := range gerr.Violations {
		if v.Rule == rule && v.Stack == stack && strings.HasPrefix(v.Resource, resource) && v.Fix != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no %s violation on %s in %s:\n%v", rule, resource, stack, err)
	}
	if !strings.Contains(err.Error(), "stack "+stack+": "+resource) {
		t.Errorf("message does not name stack and resource:\n%v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a refused synthesis left %v in the output's parent folder", left)
	}
}

func TestGuardRefusesMPCPortOpenToTheInternet(t *testing.T) {
	refused(t, config.LayerConsumer, guard.RuleOpenIngress, "aws_vpc_security_group_ingress_rule.open-peer", func(b *stacks.Base) {
		sg := securitygroup.NewSecurityGroup(b.Stack, jsii.String("open-sg"), &securitygroup.SecurityGroupConfig{
			Description: jsii.String("deliberately open"), VpcId: jsii.String("vpc-1"),
		})
		vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(b.Stack, jsii.String("open-peer"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
			SecurityGroupId: sg.Id(), IpProtocol: jsii.String("tcp"),
			FromPort: jsii.Number(b.Env.Ports.Peer), ToPort: jsii.Number(b.Env.Ports.Peer),
			CidrIpv4: jsii.String("0.0.0.0/0"),
		})
	})
}

func TestGuardRefusesWildcardIAMAction(t *testing.T) {
	refused(t, config.LayerParty, guard.RuleWildcardAction, "aws_iam_policy.too-broad", func(b *stacks.Base) {
		awsiampolicy.NewIamPolicy(b.Stack, jsii.String("too-broad"), &awsiampolicy.IamPolicyConfig{
			Name: jsii.String("too-broad"),
			Policy: policy.New(policy.Statement{
				Effect: policy.Allow, Action: []string{"s3:*"}, Resource: []string{"*"},
			}).JSON(),
		})
	})
}

func TestGuardRefusesBucketWithoutEncryption(t *testing.T) {
	refused(t, config.LayerParty, guard.RuleBucketEncryption, "aws_s3_bucket.bare-bucket", func(b *stacks.Base) {
		s3bucket.NewS3Bucket(b.Stack, jsii.String("bare-bucket"), &s3bucket.S3BucketConfig{Bucket: jsii.String("bare-bucket")})
	})
}

// The bucket rules hold in the backup's replica region too: a bucket of
// the aliased replica provider without an access block is refused.
func TestGuardRefusesReplicaRegionBucketWithoutPublicAccessBlock(t *testing.T) {
	refused(t, config.LayerParty, guard.RuleBucketPublicAccess, "aws_s3_bucket.bare-replica", func(b *stacks.Base) {
		if b.Replica == nil {
			t.Fatal("alice of local keeps a backup, so her party stack has a replica-region provider")
		}
		s3bucket.NewS3Bucket(b.Stack, jsii.String("bare-replica"), &s3bucket.S3BucketConfig{Bucket: jsii.String("bare-replica"), Provider: b.Replica})
	})
}

func TestGuardRefusesBucketWithoutPublicAccessBlock(t *testing.T) {
	refused(t, config.LayerParty, guard.RuleBucketPublicAccess, "aws_s3_bucket.bare-bucket", func(b *stacks.Base) {
		s3bucket.NewS3Bucket(b.Stack, jsii.String("bare-bucket"), &s3bucket.S3BucketConfig{Bucket: jsii.String("bare-bucket")})
	})
}

func TestGuardRefusesBucketWithoutVersioning(t *testing.T) {
	refused(t, config.LayerParty, guard.RuleBucketVersioning, "aws_s3_bucket.bare-bucket", func(b *stacks.Base) {
		s3bucket.NewS3Bucket(b.Stack, jsii.String("bare-bucket"), &s3bucket.S3BucketConfig{Bucket: jsii.String("bare-bucket")})
	})
}

func TestGuardRefusesLaunchTemplateWithoutIMDSv2(t *testing.T) {
	refused(t, config.LayerParty, guard.RuleIMDSv2, "aws_launch_template.imdsv1", func(b *stacks.Base) {
		launchtemplate.NewLaunchTemplate(b.Stack, jsii.String("imdsv1"), &launchtemplate.LaunchTemplateConfig{
			MetadataOptions: &launchtemplate.LaunchTemplateMetadataOptions{HttpTokens: jsii.String("optional")},
		})
	})
}

func TestGuardRefusesOverrideOfADefaultTag(t *testing.T) {
	refused(t, config.LayerProvider, guard.RuleDefaultTagOverride, "aws_eip.spoofed", func(b *stacks.Base) {
		eip.NewEip(b.Stack, jsii.String("spoofed"), &eip.EipConfig{
			Domain: jsii.String("vpc"),
			// Another party's id would let this address pass another
			// party's tag-conditioned policies.
			Tags: &map[string]*string{"mpc:party-id": jsii.String("2")},
		})
	})
}

func TestGuardSeesEscapeHatchOverrides(t *testing.T) {
	refused(t, config.LayerConsumer, guard.RuleOpenIngress, "aws_vpc_security_group_ingress_rule.narrow", func(b *stacks.Base) {
		rule := vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(b.Stack, jsii.String("narrow"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
			SecurityGroupId: jsii.String("sg-1"), IpProtocol: jsii.String("tcp"),
			FromPort: jsii.Number(b.Env.Ports.GRPC), ToPort: jsii.Number(b.Env.Ports.GRPC),
			CidrIpv4: jsii.String("10.0.0.0/16"),
		})
		// An escape hatch no construct-level check would see.
		rule.AddOverride(jsii.String("cidr_ipv4"), jsii.String("0.0.0.0/0"))
	})
}
