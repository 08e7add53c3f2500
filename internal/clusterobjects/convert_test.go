package clusterobjects

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/release"
	"github.com/mpc-mesh/infra/internal/tfjson"
)

func decode(t *testing.T, s string) tfjson.Object {
	t.Helper()
	var o tfjson.Object
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestFromStackConvertsTheProviderSchema(t *testing.T) {
	st := release.Stacks{
		"s": decode(t, `{"resource": {
		  "kubernetes_namespace_v1": {"ns": {"metadata": {"name": "kms", "labels": {"app.kubernetes.io/name": "x"}}}},
		  "kubernetes_daemon_set_v1": {"ds": {
		    "//": {"metadata": {"path": "s/ds"}},
		    "depends_on": ["kubernetes_namespace_v1.ns"],
		    "wait_for_rollout": false,
		    "metadata": {"name": "d", "namespace": "${kubernetes_namespace_v1.ns.metadata[0].name}"},
		    "spec": {
		      "selector": {"match_labels": {"some_label": "a"}},
		      "strategy": {"type": "RollingUpdate", "rolling_update": {"max_unavailable": "1"}},
		      "template": {"metadata": {"labels": {"some_label": "a"}}, "spec": {
		        "host_ipc": false,
		        "security_context": {"run_as_user": "1001", "seccomp_profile": {"type": "RuntimeDefault"}},
		        "container": [{"name": "c", "image": "i", "port": [{"container_port": 80, "name": "http"}],
		          "resources": {"limits": {"cpu": "100m"}},
		          "volume_mount": [{"name": "v", "mount_path": "/v"}]}],
		        "volume": [{"name": "v", "config_map": {"name": "cm", "default_mode": "0444"}}],
		        "toleration": [{"key": "k", "operator": "Exists"}]}}}}},
		  "kubernetes_service_v1": {"svc": {"metadata": {"name": "s"}, "spec": {
		    "selector": {"app": "kms-core"}, "external_name": "${data.terraform_remote_state.x.outputs.dns_name}",
		    "port": [{"name": "grpc", "port": 50100, "target_port": "50100"}, {"name": "p", "port": 1, "target_port": "named"}]}}}
		}}`),
	}
	objs, err := FromStack(st, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 3 {
		t.Fatalf("%d objects, want 3", len(objs))
	}
	ds := objs[0].Manifest
	want := decode(t, `{"apiVersion": "apps/v1", "kind": "DaemonSet",
	  "metadata": {"name": "d", "namespace": "kms"},
	  "spec": {
	    "selector": {"matchLabels": {"some_label": "a"}},
	    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
	    "template": {"metadata": {"labels": {"some_label": "a"}}, "spec": {
	      "hostIPC": false,
	      "securityContext": {"runAsUser": 1001, "seccompProfile": {"type": "RuntimeDefault"}},
	      "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "name": "http"}],
	        "resources": {"limits": {"cpu": "100m"}},
	        "volumeMounts": [{"name": "v", "mountPath": "/v"}]}],
	      "volumes": [{"name": "v", "configMap": {"name": "cm", "defaultMode": 292}}],
	      "tolerations": [{"key": "k", "operator": "Exists"}]}}}}`)
	if got, exp := canonical(t, ds), canonical(t, want); got != exp {
		t.Errorf("DaemonSet:\n got %s\nwant %s", got, exp)
	}
	svc := objs[2].Manifest
	spec := svc["spec"].(tfjson.Object)
	if spec["selector"].(tfjson.Object)["app"] != "kms-core" {
		t.Errorf("service selector keys must be kept: %v", spec["selector"])
	}
	ports := spec["ports"].([]any)
	if ports[0].(tfjson.Object)["targetPort"] != int64(50100) || ports[1].(tfjson.Object)["targetPort"] != "named" {
		t.Errorf("target ports = %v, want the number as an integer and the name kept", ports)
	}
	if name := spec["externalName"].(string); !strings.HasSuffix(name, ".placeholder.invalid") {
		t.Errorf("externalName = %q, want a host-name placeholder", name)
	}
}

func TestFromStackRefusesUnknownTypes(t *testing.T) {
	st := release.Stacks{"s": decode(t, `{"resource": {"kubernetes_ingress_v1": {"i": {"metadata": {"name": "x"}}}}}`)}
	if _, err := FromStack(st, "s"); err == nil || !strings.Contains(err.Error(), "kubernetes_ingress_v1") {
		t.Errorf("err = %v, want the unconverted type named", err)
	}
}

func TestPlaceholdersHaveTheValuesFormat(t *testing.T) {
	for address, want := range map[string]string{
		"p/output.cross-stack-output-aws_iam_roleparty-role_2CBED5CBarn":                           "arn:aws:placeholder:::",
		"c/output.cross-stack-output-aws_vpc_endpointendpoints_party-1_FB54B4CBdns_entry0dns_name": ".placeholder.invalid",
		"p/output.cross-stack-output-aws_eipeip_eip-0_258EA04Apublic_ip":                           "192.0.2.",
		"p/output.cross-stack-output-aws_security_groupendpoint-service_nlb-sg_47B5F40Did":         "sg-",
		"p/output.cross-stack-output-aws_s3_bucketvault_public-bucket_6C5447BFbucket":              "placeholder-",
	} {
		got := Placeholders("x unknown(" + address + ") y")
		if !strings.Contains(got, want) || strings.Contains(got, "unknown(") {
			t.Errorf("%s: %q, want %q inside", address, got, want)
		}
	}
	if Placeholder("a/b") == Placeholder("a/c") {
		t.Error("distinct unknowns must get distinct placeholders")
	}
}

func canonical(t *testing.T, o tfjson.Object) string {
	t.Helper()
	// Numbers compare by value whatever their Go type.
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var back any
	json.Unmarshal(b, &back)
	b, _ = json.Marshal(back)
	return string(b)
}
