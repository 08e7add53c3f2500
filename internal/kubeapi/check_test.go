package kubeapi

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestDifferencesComparesWhatWasSent(t *testing.T) {
	var sent, got map[string]any
	json.Unmarshal([]byte(`{"metadata": {"name": "a", "labels": {}},
	  "spec": {"replicas": 1, "cpu": "0.5", "ports": [{"port": 80}], "gone": {"x": 1}, "changed": "a"}}`), &sent)
	json.Unmarshal([]byte(`{"metadata": {"name": "a", "uid": "u"},
	  "spec": {"replicas": 1, "cpu": "500m", "ports": [{"port": 80, "protocol": "TCP"}], "changed": "b", "added": true}}`), &got)
	diffs := Differences("", sent, got)
	want := []string{".spec.changed is b, sent a", ".spec.gone is missing"}
	if !slices.Equal(diffs, want) {
		t.Errorf("Differences = %q, want %q", diffs, want)
	}
}

func TestFindBinariesNamesWhatIsMissing(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir())
	_, missing := FindBinaries()
	if len(missing) != 3 {
		t.Fatalf("missing = %q, want kube-apiserver, kube-controller-manager and etcd", missing)
	}
}
