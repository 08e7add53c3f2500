package e2e

// Tests of the harness itself: they need no emulator or Terraform and run
// even when TestE2E is skipped.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mpc-mesh/infra/internal/tfcli"
)

func TestMatchGapsToleratesOnlyListedCauses(t *testing.T) {
	plan := `{"resource_changes": [
	  {"address": "aws_vpc_endpoint.p4", "mode": "managed", "type": "aws_vpc_endpoint",
	   "change": {"actions": ["delete", "create"],
	     "before": {"id": "vpce-1", "service_region": "", "tags": {}},
	     "after": {"service_region": "eu-west-3", "tags": {}},
	     "after_unknown": {"id": true},
	     "replace_paths": [["service_region"]]}},
	  {"address": "aws_launch_template.lt", "mode": "managed", "type": "aws_launch_template",
	   "change": {"actions": ["update"],
	     "before": {"latest_version": 1, "tag_specifications": [1, 2]},
	     "after": {"tag_specifications": [1]},
	     "after_unknown": {"latest_version": true}}},
	  {"address": "aws_eks_node_group.ng", "mode": "managed", "type": "aws_eks_node_group",
	   "change": {"actions": ["update"],
	     "before": {"launch_template": [{"version": "1"}]},
	     "after": {"launch_template": [{}]},
	     "after_unknown": {"launch_template": [{"version": true}]}}},
	  {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket",
	   "change": {"actions": ["update"],
	     "before": {"force_destroy": false}, "after": {"force_destroy": true}, "after_unknown": {}}},
	  {"address": "data.aws_subnet.s", "mode": "data", "type": "aws_subnet",
	   "change": {"actions": ["read"], "before": null, "after": {}, "after_unknown": {}}}
	]}`
	rep, err := matchGaps("st", []byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"aws_vpc_endpoint.service_region", "aws_launch_template.tag_specifications"} {
		if len(rep.Seen[key]) != 1 {
			t.Errorf("gap %s seen %v, want once", key, rep.Seen[key])
		}
	}
	// The bucket change is not a gap; the node group only follows the
	// launch template's new version (unknown) and is no cause of its own.
	if len(rep.Untolerated) != 1 || !strings.Contains(rep.Untolerated[0], "aws_s3_bucket.b") || !strings.Contains(rep.Untolerated[0], "force_destroy") {
		t.Errorf("untolerated = %q, want only the bucket's force_destroy", rep.Untolerated)
	}
}

func TestMatchGapsReportsUnexplainedChanges(t *testing.T) {
	for name, plan := range map[string]string{
		"create": `{"resource_changes": [{"address": "aws_eip.e", "mode": "managed", "type": "aws_eip",
		  "change": {"actions": ["create"], "before": null, "after": {}, "after_unknown": {"id": true}}}]}`,
		"only unknowns": `{"resource_changes": [{"address": "aws_eip.e", "mode": "managed", "type": "aws_eip",
		  "change": {"actions": ["update"], "before": {"tags": {}}, "after": {}, "after_unknown": {"tags": true}}}]}`,
		"output": `{"resource_changes": [], "output_changes": {"azids": {"actions": ["update"]}}}`,
	} {
		rep, err := matchGaps("st", []byte(plan))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Untolerated) != 1 {
			t.Errorf("%s: untolerated = %q, want one report", name, rep.Untolerated)
		}
	}
}

func TestEveryGapHasAReason(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range emulatorGaps {
		key := g.Resource + "." + g.Attribute
		if !strings.HasPrefix(g.Resource, "aws_") || g.Attribute == "" || len(g.Reason) < 40 || seen[key] {
			t.Errorf("gap %+v: want an aws_ resource, an attribute, a reason, and no duplicate", g)
		}
		seen[key] = true
	}
}

func TestInDependencyOrder(t *testing.T) {
	names := []string{"a-provider", "b-provider", "a-consumer", "a-party"}
	deps := map[string][]string{"a-consumer": {"b-provider"}, "a-party": {"a-consumer"}}
	var mu sync.Mutex
	var order []string
	err := inDependencyOrder(context.Background(), names, deps, func(_ context.Context, s string) error {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
		if s == "b-provider" {
			return errors.New("boom")
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want the failure", err)
	}
	// The failed stack's dependents never run; independent stacks do.
	if slices.Contains(order, "a-consumer") || slices.Contains(order, "a-party") || !slices.Contains(order, "a-provider") {
		t.Errorf("ran %v", order)
	}

	order = nil
	rev := reverse(names, deps)
	if err := inDependencyOrder(context.Background(), names, rev, func(_ context.Context, s string) error {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if slices.Index(order, "a-party") > slices.Index(order, "a-consumer") || slices.Index(order, "a-consumer") > slices.Index(order, "b-provider") {
		t.Errorf("destroy order %v, want dependents first", order)
	}
}

func TestMirrorFromCLIConfig(t *testing.T) {
	dir := t.TempDir()
	mirror := filepath.Join(dir, "mirror")
	bin := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", "5.100.0", platformDir(), "terraform-provider-aws_v5.100.0_x5")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "terraformrc")
	cfg := fmt.Sprintf("plugin_cache_dir = \"/tmp/x\"\nprovider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(tfcli.MirrorEnv, "")
	t.Setenv("TF_CLI_CONFIG_FILE", rc)
	if got := findMirror(); got != mirror {
		t.Errorf("findMirror() = %q, want %q", got, mirror)
	}
}
