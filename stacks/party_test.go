package stacks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/stacks"
)

// The KubeIP role may bind addresses only to instances and network
// interfaces carrying the party's tags; the node group's launch template must
// put exactly those tags on them, or the agent could never bind an address.
func TestKubeIPNodesCarryTheTagsTheirRoleRequires(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cdktf.out")
	if err := stacks.Synthesize(examples(t, "kubeip-demo"), stacks.Options{}, out); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name, s := range m.Stacks {
		if !strings.HasSuffix(name, "-party") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, s.SynthesizedStackPath))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Resource struct {
				Policies map[string]struct {
					Policy string `json:"policy"`
				} `json:"aws_iam_policy"`
				Templates map[string]struct {
					TagSpecifications []struct {
						ResourceType string            `json:"resource_type"`
						Tags         map[string]string `json:"tags"`
					} `json:"tag_specifications"`
				} `json:"aws_launch_template"`
			} `json:"resource"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		required := map[string]string{}
		for id, p := range doc.Resource.Policies {
			if !strings.HasPrefix(id, "kubeip-role_") {
				continue
			}
			var pol struct {
				Statement []struct {
					Action    []string
					Condition map[string]map[string]string
				}
			}
			if err := json.Unmarshal([]byte(p.Policy), &pol); err != nil {
				t.Fatal(err)
			}
			for _, st := range pol.Statement {
				for k, v := range st.Condition["StringEquals"] {
					required[strings.TrimPrefix(k, "aws:ResourceTag/")] = v
				}
			}
		}
		if len(required) == 0 {
			t.Errorf("%s: the KubeIP policy conditions on no tag", name)
		}
		for _, lt := range doc.Resource.Templates {
			for _, spec := range lt.TagSpecifications {
				if spec.ResourceType != "instance" && spec.ResourceType != "network-interface" {
					continue
				}
				for k, v := range required {
					if spec.Tags[k] != v {
						t.Errorf("%s: %s tag %s = %q, the KubeIP policy requires %q", name, spec.ResourceType, k, spec.Tags[k], v)
					}
				}
				checked++
			}
		}
	}
	if checked != 8 {
		t.Errorf("checked %d tag specifications, want 8 (4 managed parties × instance and network-interface)", checked)
	}
}
