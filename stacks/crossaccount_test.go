package stacks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/stacks"
)

// kms-dev-v1 keeps both keys in another account: no key is created in the
// party's account, and each role's IAM policy grants exactly its actions on
// the referenced key (a key of another account needs the caller's IAM
// grant besides the key policy).
func TestCrossAccountKeysAreGrantedByARNAndNotCreated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cdktf.out")
	cfg := examples(t, "kms-dev-v1")
	if err := stacks.Synthesize(cfg, stacks.Options{}, out); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, m.Stacks["kms-dev-v1-kms-threshold-4-party"].SynthesizedStackPath))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resource map[string]map[string]map[string]any `json:"resource"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for id := range doc.Resource["aws_kms_key"] {
		if strings.HasPrefix(id, "attested-key_") || strings.HasPrefix(id, "tx-sender-key_") {
			t.Errorf("key %s created in the party account though the environment references one", id)
		}
	}
	kms := cfg.Environments[0].Parties[0].Managed.KMS
	want := map[string]struct {
		sid, arn string
		actions  []string
	}{
		"party-role_policy_":     {"CoreKey", kms.CoreKeyARN, []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetPublicKey"}},
		"connector-role_policy_": {"TxSenderKey", kms.TxSenderKeyARN, []string{"kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"}},
	}
	found := 0
	for id, r := range doc.Resource["aws_iam_policy"] {
		for prefix, w := range want {
			if !strings.HasPrefix(id, prefix) {
				continue
			}
			var pol struct {
				Statement []struct {
					Sid      string
					Action   []string
					Resource []string
				}
			}
			if err := json.Unmarshal([]byte(r["policy"].(string)), &pol); err != nil {
				t.Fatal(err)
			}
			for _, st := range pol.Statement {
				if st.Sid == w.sid {
					found++
					if !reflect.DeepEqual(st.Action, w.actions) || !reflect.DeepEqual(st.Resource, []string{w.arn}) {
						t.Errorf("%s %s = %v on %v, want %v on %s", id, st.Sid, st.Action, st.Resource, w.actions, w.arn)
					}
				}
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of the 2 key grants", found)
	}
}
