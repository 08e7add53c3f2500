package stackset_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/stackset"
)

// TestLocalRef: a data source reference is told apart from a resource whose
// type is "data", and a whole-resource reference has no attribute.
func TestLocalRef(t *testing.T) {
	for expr, want := range map[string]stackset.Ref{
		"${aws_eip.eip_eip-0_258EA04A.public_ip}":                              {Type: "aws_eip", Name: "eip_eip-0_258EA04A", Attribute: "public_ip"},
		"${aws_vpc_endpoint.endpoints_party-2_0138F586.dns_entry[0].dns_name}": {Type: "aws_vpc_endpoint", Name: "endpoints_party-2_0138F586", Attribute: "dns_entry[0].dns_name"},
		"${data.aws_eks_cluster.eks-cluster.endpoint}":                         {Type: "data.aws_eks_cluster", Name: "eks-cluster", Attribute: "endpoint"},
		"${data.aws_subnet.endpoint-service_nlb-subnet_7C86305E}":              {Type: "data.aws_subnet", Name: "endpoint-service_nlb-subnet_7C86305E"},
	} {
		if got, ok := stackset.LocalRef(expr); !ok || got != want {
			t.Errorf("LocalRef(%q) = %+v, %v; want %+v", expr, got, ok, want)
		}
	}
	if _, ok := stackset.LocalRef("${[ for key, val in data.aws_subnet.x: val.id]}"); ok {
		t.Error("LocalRef accepted a for expression")
	}
}

// writeSynth writes a two-stack synth output folder whose manifest lists
// the given dependencies of stack "b".
func writeSynth(t *testing.T, deps string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"stacks":{"a":{"name":"a","dependencies":[],"synthesizedStackPath":"stacks/a/cdk.tf.json"},` +
			`"b":{"name":"b","dependencies":[` + deps + `],"synthesizedStackPath":"stacks/b/cdk.tf.json"}}}`,
		"stacks/a/cdk.tf.json": `{"resource":{"aws_eip":{"e":{}}},"output":{"cross-stack-output-aws_eipepublic_ip":{"value":"${aws_eip.e.public_ip}"}}}`,
		"stacks/b/cdk.tf.json": `{"data":{"terraform_remote_state":{"cross-stack-reference-input-a":{}}},` +
			`"resource":{"aws_vpc_security_group_ingress_rule":{"r":{"cidr_ipv4":"${data.terraform_remote_state.cross-stack-reference-input-a.outputs.cross-stack-output-aws_eipepublic_ip}/32"}}}}`,
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoadSynthOutputResolvesReferences reads a synth output folder and
// follows a cross-stack reference to the resource attribute behind it.
func TestLoadSynthOutputResolvesReferences(t *testing.T) {
	set, err := stackset.Load(writeSynth(t, `"a"`))
	if err != nil {
		t.Fatal(err)
	}
	b := set.Stacks["b"]
	if strings.Join(b.Dependencies, ",") != "a" {
		t.Errorf("dependencies of b = %v, want [a]", b.Dependencies)
	}
	refs, err := set.CrossRefs(b.Resources["aws_vpc_security_group_ingress_rule"]["r"].String("cidr_ipv4"))
	want := stackset.Ref{Stack: "a", Type: "aws_eip", Name: "e", Attribute: "public_ip"}
	if err != nil || len(refs) != 1 || refs[0] != want {
		t.Errorf("CrossRefs = %+v, %v; want [%+v]", refs, err, want)
	}
}

// TestLoadSynthOutputChecksManifest: a manifest whose dependencies differ
// from the stacks' cross-stack references is refused.
func TestLoadSynthOutputChecksManifest(t *testing.T) {
	_, err := stackset.Load(writeSynth(t, ""))
	if err == nil || !strings.Contains(err.Error(), "manifest dependencies [] differ") {
		t.Fatalf("Load() error = %v, want the dependency mismatch reported", err)
	}
}
