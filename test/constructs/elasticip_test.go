package constructs_test

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/elasticip"
	"github.com/mpc-mesh/infra/test/synthtest"
)

// Tag keys are case-sensitive, so the discovery tags must be exactly these
// lowercase keys: a pool tagged KUBEIP, for example, is not the kubeip pool.
func TestElasticIPDiscoveryTagsAreLowercaseAndScopedToPartyAndEnvironment(t *testing.T) {
	got := elasticip.DiscoveryTags("staging", 3)
	want := map[string]string{"kubeip": "reserved", "mpc.io/environment": "staging", "mpc.io/party-id": "3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DiscoveryTags = %v, want %v", got, want)
	}
}

func elasticipSynth(t *testing.T, props *elasticip.Props) (*synthtest.Doc, *elasticip.ElasticIPs) {
	var eips *elasticip.ElasticIPs
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		eips = elasticip.New(s, "eips", props)
	})
	return doc, eips
}

func elasticipTagsOf(t *testing.T, o synthtest.Object) map[string]string {
	t.Helper()
	raw, _ := o["tags"].(map[string]any)
	res := map[string]string{}
	for k, v := range raw {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("tag %s is %T, want string", k, v)
		}
		res[k] = s
	}
	return res
}

// Every address sets domain = vpc rather than leaving it unset, so each is a
// VPC address, and Count addresses are made with Name tags <Name>-0 ..
// <Name>-(Count-1).
func TestElasticIPCountVPCAddressesNamedByIndex(t *testing.T) {
	doc, _ := elasticipSynth(t, &elasticip.Props{Name: "dev-p2", Count: 2, Environment: "dev", PartyID: 2})
	all := doc.Resources("aws_eip")
	if len(all) != 2 {
		t.Fatalf("want 2 aws_eip, got %d: %v", len(all), synthtest.Names(all))
	}
	names := map[string]bool{}
	for key, e := range all {
		if e["domain"] != "vpc" {
			t.Errorf("%s domain = %v, want vpc", key, e["domain"])
		}
		names[elasticipTagsOf(t, e)["Name"]] = true
	}
	if !names["dev-p2-0"] || !names["dev-p2-1"] {
		t.Errorf("Name tags = %v, want dev-p2-0 and dev-p2-1", names)
	}
}

func TestElasticIPDefaultsToOneAddress(t *testing.T) {
	doc, _ := elasticipSynth(t, &elasticip.Props{Environment: "dev", PartyID: 1})
	if got := elasticipTagsOf(t, doc.Resource("aws_eip"))["Name"]; got != "mpc-eip-0" {
		t.Errorf("Name tag = %q, want mpc-eip-0", got)
	}
}

func TestElasticIPUserTagsNeverOverrideNameOrDiscoveryTags(t *testing.T) {
	doc, _ := elasticipSynth(t, &elasticip.Props{
		Name: "prod-p4", Environment: "prod", PartyID: 4,
		Tags: map[string]string{
			"Team": "mpc", "Name": "mine", "kubeip": "free",
			"mpc.io/party-id": "1", "mpc.io/environment": "dev",
		},
	})
	got := elasticipTagsOf(t, doc.Resource("aws_eip"))
	want := map[string]string{
		"Team": "mpc", "Name": "prod-p4-0", "kubeip": "reserved",
		"mpc.io/party-id": "4", "mpc.io/environment": "prod",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
}

// No output may come from the private IP or private DNS of an EIP: an
// unassociated EIP has an empty private IP, so such outputs would be empty.
// The construct defines no outputs of its own; its typed outputs reference
// the allocation id and public IP attributes.
func TestElasticIPOutputsAreAllocationIDsAndPublicIPsOnly(t *testing.T) {
	var eips *elasticip.ElasticIPs
	doc := synthtest.Stack(t, func(s constructs.Construct) {
		eips = elasticip.New(s, "eips", &elasticip.Props{Count: 2, Environment: "dev", PartyID: 1})
		cdktf.NewTerraformOutput(s, jsii.String("allocation"), &cdktf.TerraformOutputConfig{Value: eips.AllocationIDs[0]})
		cdktf.NewTerraformOutput(s, jsii.String("ip"), &cdktf.TerraformOutputConfig{Value: eips.PublicIPs[0]})
		cdktf.NewTerraformOutput(s, jsii.String("second_ip"), &cdktf.TerraformOutputConfig{Value: eips.PublicIPs[1]})
	})
	if len(eips.AllocationIDs) != 2 || len(eips.PublicIPs) != 2 || len(eips.EIPs) != 2 {
		t.Fatalf("want 2 of each output, got %d ids, %d ips, %d resources", len(eips.AllocationIDs), len(eips.PublicIPs), len(eips.EIPs))
	}
	outs := doc.Outputs()
	if len(outs) != 3 {
		t.Fatalf("want only the 3 test outputs, got %v", synthtest.Names(outs))
	}
	checks := map[string]*regexp.Regexp{
		"allocation": regexp.MustCompile(`^\$\{aws_eip\.eips_eip-0_[A-Z0-9]+\.allocation_id\}$`),
		"ip":         regexp.MustCompile(`^\$\{aws_eip\.eips_eip-0_[A-Z0-9]+\.public_ip\}$`),
		"second_ip":  regexp.MustCompile(`^\$\{aws_eip\.eips_eip-1_[A-Z0-9]+\.public_ip\}$`),
	}
	for name, re := range checks {
		v, _ := outs[name]["value"].(string)
		if !re.MatchString(v) {
			t.Errorf("output %s = %q, want match %s", name, v, re)
		}
	}
}
