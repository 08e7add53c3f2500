package constructs_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/elasticip"
	"github.com/mpc-mesh/infra/constructs/kubeip"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const kubeipRoleARN = "arn:aws:iam::111122223333:role/dev-p2-kubeip"

// The FILTER of party 2 in dev, keys in lexical order.
const kubeipWantFilter = "Name=tag:kubeip,Values=reserved;Name=tag:mpc.io/environment,Values=dev;Name=tag:mpc.io/party-id,Values=2"

func TestKubeIPFilterIsExactAndSortedByKey(t *testing.T) {
	// Go randomizes map iteration: repeat with maps built in different orders.
	for i := 0; i < 50; i++ {
		tags := map[string]string{}
		if i%2 == 0 {
			tags["mpc.io/party-id"], tags["kubeip"], tags["mpc.io/environment"] = "2", "reserved", "dev"
		} else {
			tags["mpc.io/environment"], tags["mpc.io/party-id"], tags["kubeip"] = "dev", "2", "reserved"
		}
		if got := kubeip.Filter(tags); got != kubeipWantFilter {
			t.Fatalf("Filter = %q, want %q", got, kubeipWantFilter)
		}
	}
	if got := kubeip.Filter(elasticip.DiscoveryTags("dev", 2)); got != kubeipWantFilter {
		t.Fatalf("Filter(DiscoveryTags) = %q, want %q", got, kubeipWantFilter)
	}
}

func kubeipSynthAgent(t *testing.T, props *kubeip.Props) *synthtest.Doc {
	return synthtest.Stack(t, func(s constructs.Construct) { kubeip.New(s, "kubeip", props) })
}

func kubeipDefaultAgent(t *testing.T) *synthtest.Doc {
	return kubeipSynthAgent(t, &kubeip.Props{RoleARN: jsii.String(kubeipRoleARN), FilterTags: elasticip.DiscoveryTags("dev", 2)})
}

func kubeipPodSpec(t *testing.T, doc *synthtest.Doc) (synthtest.Object, synthtest.Object) {
	t.Helper()
	ds := doc.Resource("kubernetes_daemon_set_v1")
	tmpl := synthtest.Block(synthtest.Block(ds, "spec"), "template")
	pod := synthtest.Block(tmpl, "spec")
	return pod, synthtest.Block(pod, "container")
}

func kubeipList(v any) []synthtest.Object {
	raw, _ := v.([]any)
	res := make([]synthtest.Object, 0, len(raw))
	for _, e := range raw {
		if o, ok := e.(map[string]any); ok {
			res = append(res, o)
		}
	}
	return res
}

// The agent runs only on enclave nodes: tolerating every NoSchedule/NoExecute
// taint with an empty node selector would let it bind reserved EIPs to any
// node.
func TestKubeIPDaemonSetRunsOnlyOnEnclaveNodes(t *testing.T) {
	pod, _ := kubeipPodSpec(t, kubeipDefaultAgent(t))
	sel, _ := pod["node_selector"].(map[string]any)
	if want := map[string]any{"nodepool": "mpc-enclave", "kubeip": "true"}; !reflect.DeepEqual(sel, want) {
		t.Errorf("node_selector = %v, want %v", sel, want)
	}
	tols := kubeipList(pod["toleration"])
	want := synthtest.Object{"key": "mpc.io/enclave", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
	if len(tols) != 1 || !reflect.DeepEqual(tols[0], want) {
		t.Errorf("tolerations = %v, want only %v", tols, want)
	}
	if pod["priority_class_name"] != "system-node-critical" {
		t.Errorf("priority_class_name = %v", pod["priority_class_name"])
	}
}

func TestKubeIPAgentRunsNonRootWithReadOnlyRootAndNoCapabilities(t *testing.T) {
	pod, ctr := kubeipPodSpec(t, kubeipDefaultAgent(t))
	psc := synthtest.Block(pod, "security_context")
	if psc["run_as_non_root"] != true || psc["run_as_user"] != "1001" || psc["run_as_group"] != "1001" {
		t.Errorf("pod security_context = %v, want non-root 1001:1001", psc)
	}
	csc := synthtest.Block(ctr, "security_context")
	if csc["run_as_non_root"] != true || csc["read_only_root_filesystem"] != true ||
		csc["allow_privilege_escalation"] != false || csc["privileged"] != false {
		t.Errorf("container security_context = %v", csc)
	}
	if drop := synthtest.Strings(synthtest.Block(csc, "capabilities")["drop"]); !reflect.DeepEqual(drop, []string{"ALL"}) {
		t.Errorf("capabilities.drop = %v, want [ALL]", drop)
	}
}

// The image is pinned to a release tag: doitintl/kubeip-agent:latest with
// IfNotPresent pins nothing (each node keeps whichever latest it pulled).
func TestKubeIPImageIsPinnedToARelease(t *testing.T) {
	_, ctr := kubeipPodSpec(t, kubeipDefaultAgent(t))
	if ctr["image"] != "doitintl/kubeip-agent:2.2.0" || ctr["image_pull_policy"] != "IfNotPresent" {
		t.Errorf("image = %v (%v), want doitintl/kubeip-agent:2.2.0 (IfNotPresent)", ctr["image"], ctr["image_pull_policy"])
	}
}

func TestKubeIPEnvironmentAndResources(t *testing.T) {
	_, ctr := kubeipPodSpec(t, kubeipDefaultAgent(t))
	env := map[string]synthtest.Object{}
	for _, e := range kubeipList(ctr["env"]) {
		env[fmt.Sprint(e["name"])] = e
	}
	want := map[string]string{"FILTER": kubeipWantFilter, "LOG_LEVEL": "info", "LEASE_NAMESPACE": "kube-system", "LEASE_DURATION": "5"}
	for name, v := range want {
		if env[name]["value"] != v {
			t.Errorf("env %s = %v, want %q", name, env[name]["value"], v)
		}
	}
	ref := synthtest.Block(synthtest.Block(env["NODE_NAME"], "value_from"), "field_ref")
	if ref["field_path"] != "spec.nodeName" {
		t.Errorf("NODE_NAME field_ref = %v, want spec.nodeName", ref)
	}
	if len(env) != 5 {
		t.Errorf("env has %d entries, want 5: %v", len(env), env)
	}
	res := synthtest.Block(ctr, "resources")
	if !reflect.DeepEqual(res["requests"], map[string]any{"cpu": "10m", "memory": "32Mi"}) ||
		!reflect.DeepEqual(res["limits"], map[string]any{"cpu": "100m", "memory": "64Mi"}) {
		t.Errorf("resources = %v", res)
	}
}

// The rules name their API groups exactly: "get" on nodes must not be
// granted on apiGroups "*".
func TestKubeIPClusterRoleRulesAreExact(t *testing.T) {
	doc := kubeipDefaultAgent(t)
	rules := kubeipList(doc.Resource("kubernetes_cluster_role_v1")["rule"])
	want := []synthtest.Object{
		{"api_groups": []any{""}, "resources": []any{"nodes"}, "verbs": []any{"get"}},
		{"api_groups": []any{"coordination.k8s.io"}, "resources": []any{"leases"}, "verbs": []any{"create", "get", "update", "delete"}},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Errorf("rules = %v, want %v", rules, want)
	}
	binding := doc.Resource("kubernetes_cluster_role_binding_v1")
	subj := kubeipList(binding["subject"])
	if len(subj) != 1 || subj[0]["kind"] != "ServiceAccount" || subj[0]["namespace"] != "kube-system" ||
		!strings.HasSuffix(fmt.Sprint(subj[0]["name"]), ".metadata[0].name}") {
		t.Errorf("binding subjects = %v, want the agent service account", subj)
	}
	if ref := synthtest.Block(binding, "role_ref"); ref["kind"] != "ClusterRole" ||
		!strings.HasPrefix(fmt.Sprint(ref["name"]), "${kubernetes_cluster_role_v1.") {
		t.Errorf("role_ref = %v", ref)
	}
}

func TestKubeIPServiceAccountCarriesTheRoleARN(t *testing.T) {
	meta := synthtest.Block(kubeipDefaultAgent(t).Resource("kubernetes_service_account_v1"), "metadata")
	if meta["name"] != "kubeip-agent" || meta["namespace"] != "kube-system" {
		t.Errorf("service account = %v/%v", meta["namespace"], meta["name"])
	}
	if ann, _ := meta["annotations"].(map[string]any); ann["eks.amazonaws.com/role-arn"] != kubeipRoleARN {
		t.Errorf("annotations = %v", meta["annotations"])
	}
}

func TestKubeIPStandardLabels(t *testing.T) {
	doc := kubeipSynthAgent(t, &kubeip.Props{Name: "dev-p2-kubeip", RoleARN: jsii.String(kubeipRoleARN), FilterTags: elasticip.DiscoveryTags("dev", 2)})
	ds := doc.Resource("kubernetes_daemon_set_v1")
	want := map[string]any{
		"app.kubernetes.io/name": "kubeip", "app.kubernetes.io/instance": "dev-p2-kubeip",
		"app.kubernetes.io/version": "2.2.0", "app.kubernetes.io/component": "ip-assigner",
		"app.kubernetes.io/part-of": "mpc-mesh",
	}
	if got := synthtest.Block(ds, "metadata")["labels"]; !reflect.DeepEqual(got, want) {
		t.Errorf("labels = %v, want %v", got, want)
	}
	sel := synthtest.Block(synthtest.Block(ds, "spec"), "selector")["match_labels"]
	if !reflect.DeepEqual(sel, map[string]any{"app.kubernetes.io/name": "kubeip", "app.kubernetes.io/instance": "dev-p2-kubeip"}) {
		t.Errorf("selector = %v, want name and instance only (version must not be in an immutable selector)", sel)
	}
}

func TestKubeIPRefusesAnEmptyFilter(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "FilterTags") {
			t.Fatalf("want a panic about FilterTags, got %v", r)
		}
	}()
	kubeipSynthAgent(t, &kubeip.Props{RoleARN: jsii.String(kubeipRoleARN)})
}
