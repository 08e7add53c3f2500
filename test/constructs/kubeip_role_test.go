package constructs_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/kubeip"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	kubeipOidcARN    = "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"
	kubeipOidcIssuer = "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"
)

func kubeipRoleProps(mutate func(*kubeip.RoleProps)) *kubeip.RoleProps {
	p := &kubeip.RoleProps{
		RoleName: "dev-p2-kubeip", OIDCProviderARN: jsii.String(kubeipOidcARN), OIDCIssuer: jsii.String(kubeipOidcIssuer),
		Environment: "dev", PartyID: 2,
		Partition: jsii.String("aws-cn"), Region: jsii.String("cn-north-1"), AccountID: jsii.String("111122223333"),
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func kubeipSynthRole(t *testing.T, props *kubeip.RoleProps) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) { kubeip.NewRole(s, "kubeip-role", props) })
}

func kubeipStatementsBySid(t *testing.T, doc *synthtest.Doc) map[string]synthtest.Object {
	t.Helper()
	res := map[string]synthtest.Object{}
	for _, st := range synthtest.Statements(doc.Policy(doc.Resource("aws_iam_policy")["policy"])) {
		res[fmt.Sprint(st["Sid"])] = st
	}
	return res
}

func TestKubeIPRolePolicyIsLeastPrivilege(t *testing.T) {
	stmts := kubeipStatementsBySid(t, kubeipSynthRole(t, kubeipRoleProps(nil)))
	if len(stmts) != 2 {
		t.Fatalf("want 2 statements, got %d: %v", len(stmts), stmts)
	}
	for sid, st := range stmts {
		if st["Effect"] != "Allow" {
			t.Errorf("%s effect = %v", sid, st["Effect"])
		}
		for _, a := range synthtest.Strings(st["Action"]) {
			if strings.Contains(a, "*") {
				t.Errorf("%s grants wildcard action %q", sid, a)
			}
		}
	}
	describe := stmts["DescribeAddressesAndInstances"]
	if got := synthtest.Strings(describe["Action"]); !reflect.DeepEqual(got, []string{"ec2:DescribeAddresses", "ec2:DescribeInstances"}) {
		t.Errorf("describe actions = %v", got)
	}
	if describe["Condition"] != nil {
		t.Errorf("describe statement has a condition: %v", describe["Condition"])
	}
}

// A compromised agent (or a stolen web-identity token of its service
// account) can bind this party's addresses only to this party's nodes: the
// address, the instance and the network interface must all carry the
// party's and environment's tags.
func TestKubeIPRoleAssociationIsConditionedOnThePartyTagsOfAddressAndNode(t *testing.T) {
	stmts := kubeipStatementsBySid(t, kubeipSynthRole(t, kubeipRoleProps(nil)))
	own := stmts["AssociateOwnPartyAddressesWithOwnPartyNodes"]
	if got := synthtest.Strings(own["Action"]); !reflect.DeepEqual(got, []string{"ec2:AssociateAddress", "ec2:DisassociateAddress"}) {
		t.Errorf("actions = %v", got)
	}
	wantRes := []string{
		"arn:aws-cn:ec2:cn-north-1:111122223333:elastic-ip/*",
		"arn:aws-cn:ec2:cn-north-1:111122223333:instance/*",
		"arn:aws-cn:ec2:cn-north-1:111122223333:network-interface/*",
	}
	if got := synthtest.Strings(own["Resource"]); !reflect.DeepEqual(got, wantRes) {
		t.Errorf("resources = %v, want %v", got, wantRes)
	}
	eq, _ := own["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	want := map[string]any{"aws:ResourceTag/mpc.io/party-id": "2", "aws:ResourceTag/mpc.io/environment": "dev"}
	if !reflect.DeepEqual(eq, want) {
		t.Errorf("StringEquals = %v, want %v", eq, want)
	}
	for sid, st := range stmts {
		for _, a := range synthtest.Strings(st["Action"]) {
			if strings.HasPrefix(a, "ec2:") && strings.Contains(a, "ssociateAddress") && st["Condition"] == nil {
				t.Errorf("%s grants %s without the tag condition", sid, a)
			}
		}
	}
}

func TestKubeIPRoleNodeTagsAreThePartyAndEnvironmentDiscoveryTags(t *testing.T) {
	want := map[string]string{"mpc.io/environment": "dev", "mpc.io/party-id": "2"}
	if got := kubeip.NodeTags("dev", 2); !reflect.DeepEqual(got, want) {
		t.Errorf("NodeTags = %v, want %v", got, want)
	}
}

// ARNs never hard-code the "aws" partition, which is wrong in any other
// partition. With no partition/region/account props, they come from data
// sources, each used.
func TestKubeIPRolePartitionRegionAndAccountComeFromTheProvider(t *testing.T) {
	doc := kubeipSynthRole(t, kubeipRoleProps(func(p *kubeip.RoleProps) { p.Partition, p.Region, p.AccountID = nil, nil, nil }))
	raw := fmt.Sprint(doc.Resource("aws_iam_policy")["policy"])
	for _, typ := range []string{"aws_partition", "aws_region", "aws_caller_identity"} {
		all := doc.DataSources(typ)
		if len(all) != 1 {
			t.Fatalf("want one %s data source, got %v", typ, synthtest.Names(all))
		}
		if !strings.Contains(raw, "${data."+typ+"."+synthtest.Names(all)[0]+".") {
			t.Errorf("policy does not use data.%s: %s", typ, raw)
		}
	}
	if strings.Contains(raw, "arn:aws:") {
		t.Errorf("policy hard-codes the aws partition: %s", raw)
	}
}

// No unused data sources: with everything given, none is created.
func TestKubeIPRoleNoDataSourcesWhenScopeIsGiven(t *testing.T) {
	doc := kubeipSynthRole(t, kubeipRoleProps(nil))
	if data, _ := doc.Raw["data"].(map[string]any); len(data) != 0 {
		t.Errorf("unexpected data sources: %v", data)
	}
}

// No Terraform module: an unpinned upstream module breaks a deployment when
// it changes (the EKS IRSA role module was removed in v6 of its package), and
// derives names such as "<name>-kubeip-kubeip-eks-role". The role is native,
// named exactly RoleName, and trusted only by the agent's service account.
func TestKubeIPRoleIsNamedExactlyAndTrustsOnlyTheAgentServiceAccount(t *testing.T) {
	doc := kubeipSynthRole(t, kubeipRoleProps(nil))
	if mods, ok := doc.Raw["module"]; ok {
		t.Errorf("stack uses modules: %v", mods)
	}
	role := doc.Resource("aws_iam_role")
	if role["name"] != "dev-p2-kubeip" || doc.Resource("aws_iam_policy")["name"] != "dev-p2-kubeip" {
		t.Errorf("role/policy names = %v/%v, want dev-p2-kubeip", role["name"], doc.Resource("aws_iam_policy")["name"])
	}
	// The issuer host is a Terraform expression with quotes; stand it in by HOST to decode.
	host := `${replace("` + kubeipOidcIssuer + `", "https://", "")}`
	trust := synthtest.Statements(doc.Policy(strings.ReplaceAll(fmt.Sprint(role["assume_role_policy"]), host, "HOST")))
	if len(trust) != 1 {
		t.Fatalf("want one trust statement, got %v", trust)
	}
	if fed := trust[0]["Principal"].(map[string]any)["Federated"]; fed != kubeipOidcARN {
		t.Errorf("federated principal = %v, want %s", fed, kubeipOidcARN)
	}
	eq, _ := trust[0]["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	if eq["HOST:sub"] != "system:serviceaccount:kube-system:kubeip-agent" {
		t.Errorf("trust conditions = %v, want sub system:serviceaccount:kube-system:kubeip-agent", eq)
	}
}
