package constructs_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"

	"github.com/mpc-mesh/infra/constructs/netcheckjob"
	"github.com/mpc-mesh/infra/internal/netcheck"
	"github.com/mpc-mesh/infra/test/synthtest"
)

// netcheckjobSynth builds a KubeIP plan whose peer 2 address is the public IP of an EIP
// in the same stack (a token), and peer 3 a static IP.
func netcheckjobSynth(t *testing.T, edit func(*netcheckjob.Props)) *synthtest.Doc {
	t.Helper()
	return synthtest.Stack(t, func(s constructs.Construct) {
		peerIP := eip.NewEip(s, jsii.String("peer2"), &eip.EipConfig{Domain: jsii.String("vpc")}).PublicIp()
		plan := netcheck.NewPlan(netcheck.Identity{PartyID: 1, Environment: "testnet"}, netcheck.KubeIP, nil,
			[]netcheck.Peer{{PartyID: 2, Name: "bob", PublicIPs: []string{*peerIP}}, {PartyID: 3, Name: "carol", PublicIPs: []string{"203.0.113.8"}}})
		props := &netcheckjob.Props{Namespace: jsii.String("mpc"), Image: "registry.example/mpc-netcheck:1.0.0", Plan: plan}
		if edit != nil {
			edit(props)
		}
		netcheckjob.New(s, "netcheck", props)
	})
}

func netcheckjobPodSpec(job synthtest.Object) synthtest.Object {
	return synthtest.Block(synthtest.Block(synthtest.Block(job, "spec"), "template"), "spec")
}

func TestNetcheckJobPlanKeepsCrossStackAddressAndDecodes(t *testing.T) {
	cm := netcheckjobSynth(t, nil).Resource("kubernetes_config_map_v1")
	raw, _ := cm["data"].(map[string]any)[netcheckjob.PlanKey].(string)
	if !strings.Contains(raw, `"address":"${aws_eip.peer2.public_ip}"`) {
		t.Fatalf("plan does not carry the EIP reference: %s", raw)
	}
	var plan netcheck.Plan
	if err := json.Unmarshal([]byte(raw), &plan); err != nil {
		t.Fatalf("plan is not JSON: %v\n%s", err, raw)
	}
	plan.Peers[0].Address = "203.0.113.7" // what Terraform substitutes
	if err := plan.Validate(); err != nil {
		t.Errorf("plan the probe will read is invalid: %v", err)
	}
	if plan.Self.PartyID != 1 || plan.Peers[1].Address != "203.0.113.8" || len(plan.Peers[1].Ports) != 2 {
		t.Errorf("plan = %+v", plan)
	}
	if md := synthtest.Block(cm, "metadata"); md["name"] != "mpc-netcheck" || md["namespace"] != "mpc" {
		t.Errorf("config map %v/%v, want mpc/mpc-netcheck", md["namespace"], md["name"])
	}
}

func TestNetcheckJobJobRunsProbeOnEnclaveNodes(t *testing.T) {
	job := netcheckjobSynth(t, nil).Resource("kubernetes_job_v1")
	if job["wait_for_completion"] != false {
		t.Errorf("wait_for_completion = %v, want false", job["wait_for_completion"])
	}
	spec := synthtest.Block(job, "spec")
	if spec["backoff_limit"] != 1.0 || spec["ttl_seconds_after_finished"] != "3600" || spec["active_deadline_seconds"] != 600.0 {
		t.Errorf("backoff/ttl/deadline = %v/%v/%v, want 1/3600/600", spec["backoff_limit"], spec["ttl_seconds_after_finished"], spec["active_deadline_seconds"])
	}
	pod := netcheckjobPodSpec(job)
	if !reflect.DeepEqual(pod["node_selector"], map[string]any{"mpc.io/enclave": "true"}) {
		t.Errorf("node_selector = %v", pod["node_selector"])
	}
	wantTol := []any{map[string]any{"key": "mpc.io/enclave", "operator": "Equal", "value": "true", "effect": "NoSchedule"}}
	if !reflect.DeepEqual(pod["toleration"], wantTol) {
		t.Errorf("toleration = %v, want %v", pod["toleration"], wantTol)
	}
	if pod["restart_policy"] != "Never" || pod["automount_service_account_token"] != false {
		t.Errorf("restart_policy %v, automount %v", pod["restart_policy"], pod["automount_service_account_token"])
	}
	c := synthtest.Block(pod, "container")
	if c["image"] != "registry.example/mpc-netcheck:1.0.0" {
		t.Errorf("image = %v", c["image"])
	}
	wantArgs := []string{"probe", "--targets", "/etc/mpc-netcheck/plan.json", "--json", "--timeout", "3s", "--attempts", "3", "--retry-delay", "2s"}
	if got := synthtest.Strings(c["args"]); !reflect.DeepEqual(got, wantArgs) {
		t.Errorf("args = %v, want %v", got, wantArgs)
	}
	vol := synthtest.Block(pod, "volume")
	if cmName, _ := synthtest.Block(vol, "config_map")["name"].(string); !strings.HasPrefix(cmName, "${kubernetes_config_map_v1.netcheck_plan_") || !strings.HasSuffix(cmName, ".metadata[0].name}") {
		t.Errorf("volume config map = %v, want a reference to the plan config map", cmName)
	}
	if m := synthtest.Block(c, "volume_mount"); m["mount_path"] != "/etc/mpc-netcheck" || m["read_only"] != true || m["name"] != vol["name"] {
		t.Errorf("volume mount = %v", m)
	}
}

func TestNetcheckJobJobIsNonRootAndReadOnly(t *testing.T) {
	pod := netcheckjobPodSpec(netcheckjobSynth(t, nil).Resource("kubernetes_job_v1"))
	psc := synthtest.Block(pod, "security_context")
	if psc["run_as_non_root"] != true || psc["run_as_user"] != "65532" || synthtest.Block(psc, "seccomp_profile")["type"] != "RuntimeDefault" {
		t.Errorf("pod security context = %v", psc)
	}
	sc := synthtest.Block(synthtest.Block(pod, "container"), "security_context")
	if sc["read_only_root_filesystem"] != true || sc["allow_privilege_escalation"] != false || sc["privileged"] != false || sc["run_as_non_root"] != true {
		t.Errorf("container security context = %v", sc)
	}
	if drop := synthtest.Strings(synthtest.Block(sc, "capabilities")["drop"]); !reflect.DeepEqual(drop, []string{"ALL"}) {
		t.Errorf("dropped capabilities = %v, want ALL", drop)
	}
}

func TestNetcheckJobNodePoolPropsOverrideDefaults(t *testing.T) {
	pod := netcheckjobPodSpec(netcheckjobSynth(t, func(p *netcheckjob.Props) {
		p.NodeSelector = map[string]string{"nodepool": "kms"}
		p.Tolerations = []netcheckjob.Toleration{{Key: "node.kubernetes.io/enclave-enabled", Operator: "Exists", Effect: "NoSchedule"}}
	}).Resource("kubernetes_job_v1"))
	if !reflect.DeepEqual(pod["node_selector"], map[string]any{"nodepool": "kms"}) {
		t.Errorf("node_selector = %v", pod["node_selector"])
	}
	want := []any{map[string]any{"key": "node.kubernetes.io/enclave-enabled", "operator": "Exists", "effect": "NoSchedule"}}
	if !reflect.DeepEqual(pod["toleration"], want) {
		t.Errorf("toleration = %v, want %v (no value with Exists)", pod["toleration"], want)
	}
}
