package reference_test

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/reference"
)

// root is the project root, three levels above this package.
var root = filepath.Join("..", "..", "..")

// TestCommittedReferenceIsCurrent regenerates docs/configuration.md and every
// constructs/<name>/README.md in memory and compares them with the
// committed files.
func TestCommittedReferenceIsCurrent(t *testing.T) {
	files, err := reference.Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		rel, _ := filepath.Rel(root, name)
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s is not committed: run make docs", rel)
		} else if string(got) != string(files[name]) {
			t.Errorf("%s is stale: run make docs and commit it", rel)
		}
	}
}

// TestConfigurationNeedsDefaultAndRule: a schema field whose doc comment
// states no default or no rule stops the generation and is named.
func TestConfigurationNeedsDefaultAndRule(t *testing.T) {
	dir := t.TempDir()
	src := "// Package config is a test schema.\npackage config\n\n" +
		"// Environment is the root.\ntype Environment struct {\n" +
		"\t// Name is documented. Default: none. Rule: a DNS label.\n\tName string `yaml:\"name\"`\n" +
		"\t// Size has a default only. Default: 1.\n\tSize int `yaml:\"size\"`\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "types.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := reference.Configuration(dir)
	if err == nil || !strings.Contains(err.Error(), "Environment.Size (size)") || strings.Contains(err.Error(), "Environment.Name") {
		t.Fatalf("Configuration() error = %v, want exactly Environment.Size reported", err)
	}
}

// TestConfigurationRows checks rows of the reference against values stated
// in config/defaults.go and config/validate.go.
func TestConfigurationRows(t *testing.T) {
	text, err := reference.Configuration(filepath.Join(root, "config"))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{
		"| `grpc` | integer | 50100 | 1 to 65535, different from the other MPC ports | GRPC is the client gRPC port. |",
		"| `strategy` | string: `kubeip` or `privatelink` | none, required |",
		"| `deletion_window_days` | integer | 30 | 7 to 30 |",
		"| `pcr0` | list of strings | none, required |",
		"| `availability_zone_ids` | list of strings |",
	} {
		if !strings.Contains(text, row) {
			t.Errorf("docs/configuration.md lacks the row %q", row)
		}
	}
	for _, section := range []string{"## `parties[].managed.nodegroup`", "## `parties[].external`", "## `backend.s3`"} {
		if !strings.Contains(text, "\n"+section+"\n") {
			t.Errorf("docs/configuration.md lacks the section %s", section)
		}
	}
}

// resourceRows returns the Terraform types listed under a constructor's
// "Terraform resources" heading of a README.
func resourceRows(t *testing.T, readme, constructor string) []string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## "+constructor+"\n")
	if !ok {
		t.Fatalf("no section %s", constructor)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var types []string
	for _, m := range regexp.MustCompile("(?m)^\\| (resource|data source) \\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(section, -1) {
		types = append(types, m[1]+" "+m[2])
	}
	return types
}

// TestReadmeResources checks the Terraform types found by following the
// constructors' calls, against the resources each package's code creates.
func TestReadmeResources(t *testing.T) {
	readmes, err := reference.ConstructReadmes(root)
	if err != nil {
		t.Fatal(err)
	}
	page := func(name string) string { return readmes[filepath.Join(root, "constructs", name)] }
	cases := []struct {
		pkg, constructor string
		want             []string
	}{
		{"firewall", "New", []string{"resource aws_security_group", "resource aws_vpc_security_group_egress_rule", "resource aws_vpc_security_group_ingress_rule"}},
		{"elasticip", "New", []string{"resource aws_eip"}},
		{"vpcendpointconsumer", "NewExternalNames", []string{"resource kubernetes_service_v1"}},
		// NewRole composes irsa.New: the role, its policy and the attachment
		// come from there, the data sources from NewRole itself.
		{"kubeip", "NewRole", []string{"data source aws_caller_identity", "data source aws_partition", "data source aws_region", "resource aws_iam_policy", "resource aws_iam_role", "resource aws_iam_role_policy_attachment"}},
	}
	for _, c := range cases {
		if got := resourceRows(t, page(c.pkg), c.constructor); strings.Join(got, ", ") != strings.Join(c.want, ", ") {
			t.Errorf("%s.%s creates %v, want %v", c.pkg, c.constructor, got, c.want)
		}
	}
	if !strings.Contains(page("kubeip"), "Composes `irsa.New`") {
		t.Error("the kubeip README does not say NewRole composes irsa.New")
	}
	if _, ok := readmes[filepath.Join(root, "constructs", "mesh")]; ok {
		t.Error("a README was written for the mesh vocabulary, which is not a construct")
	}
}
