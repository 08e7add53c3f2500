package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/mpc-mesh/infra/constructs/deviceplugin"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/test/synthtest"
)

func devicepluginSynth(t *testing.T, props *deviceplugin.Props) (ds, pod, container synthtest.Object) {
	t.Helper()
	doc := synthtest.Stack(t, func(s constructs.Construct) { deviceplugin.New(s, "nitro", props) })
	ds = doc.Resource("kubernetes_daemon_set_v1")
	tmpl := synthtest.Block(synthtest.Block(ds, "spec"), "template")
	pod = synthtest.Block(tmpl, "spec")
	return ds, pod, synthtest.Block(pod, "container")
}

func devicepluginPrivateLinkProps() *deviceplugin.Props {
	return &deviceplugin.Props{
		NodeSelector: nodegroup.PrivateLinkLabels(),
		Tolerations:  nodegroup.Tolerations(nodegroup.PrivateLinkTaints()),
		ExtraEnv:     map[string]string{"DEBUG": "1"},
	}
}

func TestDevicePluginDaemonSetRunsPinnedImageInKubeSystem(t *testing.T) {
	ds, pod, ctr := devicepluginSynth(t, devicepluginPrivateLinkProps())
	md := synthtest.Block(ds, "metadata")
	if md["name"] != "aws-nitro-enclaves-k8s-device-plugin" || md["namespace"] != "kube-system" {
		t.Errorf("metadata = %v", md)
	}
	if ctr["image"] != "public.ecr.aws/aws-nitro-enclaves/aws-nitro-enclaves-k8s-device-plugin:v0.3" {
		t.Errorf("image = %v, want the pinned v0.3", ctr["image"])
	}
	if pod["priority_class_name"] != "system-node-critical" {
		t.Errorf("priority class = %v", pod["priority_class_name"])
	}
}

func TestDevicePluginImageCanBeOverridden(t *testing.T) {
	p := devicepluginPrivateLinkProps()
	p.Image = "registry.example/plugin:v9"
	if _, _, ctr := devicepluginSynth(t, p); ctr["image"] != "registry.example/plugin:v9" {
		t.Errorf("image = %v", ctr["image"])
	}
}

func TestDevicePluginPodsLandOnlyOnEnclaveNodes(t *testing.T) {
	_, pod, _ := devicepluginSynth(t, devicepluginPrivateLinkProps())
	if want := map[string]any{"node.kubernetes.io/enclave-enabled": "true"}; !reflect.DeepEqual(pod["node_selector"], want) {
		t.Errorf("node_selector = %v, want %v", pod["node_selector"], want)
	}
	want := []any{map[string]any{"key": "node.kubernetes.io/enclave-enabled", "operator": "Equal", "value": "true", "effect": "NoSchedule"}}
	if !reflect.DeepEqual(pod["toleration"], want) {
		t.Errorf("toleration = %v, want %v", pod["toleration"], want)
	}
}

func TestDevicePluginContainerIsLockedDown(t *testing.T) {
	_, _, ctr := devicepluginSynth(t, devicepluginPrivateLinkProps())
	sc := synthtest.Block(ctr, "security_context")
	if sc["read_only_root_filesystem"] != true || sc["allow_privilege_escalation"] != false {
		t.Errorf("security_context = %v", sc)
	}
	if drop := synthtest.Strings(synthtest.Block(sc, "capabilities")["drop"]); !reflect.DeepEqual(drop, []string{"ALL"}) {
		t.Errorf("dropped capabilities = %v, want ALL", drop)
	}
	res := synthtest.Block(ctr, "resources")
	if !reflect.DeepEqual(res["limits"], map[string]any{"cpu": "100m", "memory": "30Mi"}) ||
		!reflect.DeepEqual(res["requests"], map[string]any{"cpu": "10m", "memory": "15Mi"}) {
		t.Errorf("resources = %v", res)
	}
}

func TestDevicePluginEnvAdvertisesCPUsAndMergesExtras(t *testing.T) {
	_, _, ctr := devicepluginSynth(t, devicepluginPrivateLinkProps())
	want := []any{
		map[string]any{"name": "DEBUG", "value": "1"},
		map[string]any{"name": "ENCLAVE_CPU_ADVERTISEMENT", "value": "TRUE"},
	}
	if !reflect.DeepEqual(ctr["env"], want) {
		t.Errorf("env = %v, want %v", ctr["env"], want)
	}
}

func TestDevicePluginHostPathsAreMountedAtTheSamePath(t *testing.T) {
	_, pod, ctr := devicepluginSynth(t, devicepluginPrivateLinkProps())
	want := map[string]string{"device-plugin": "/var/lib/kubelet/device-plugins", "dev-dir": "/dev", "sys-dir": "/sys"}
	got := map[string]string{}
	for _, v := range pod["volume"].([]any) {
		vol := v.(map[string]any)
		got[vol["name"].(string)] = synthtest.Block(vol, "host_path")["path"].(string)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("volumes = %v, want %v", got, want)
	}
	mounts := map[string]string{}
	for _, m := range ctr["volume_mount"].([]any) {
		mount := m.(map[string]any)
		mounts[mount["name"].(string)] = mount["mount_path"].(string)
	}
	if !reflect.DeepEqual(mounts, want) {
		t.Errorf("mounts = %v, want %v", mounts, want)
	}
}

// An image without a pinned tag (or digest) would change under the nodes
// whenever the registry moves it; the construct refuses it.
func TestDevicePluginRefusesAnUnpinnedImage(t *testing.T) {
	for _, image := range []string{"registry.example/plugin", "registry.example/plugin:latest", "registry.example:5000/plugin"} {
		t.Run(image, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("image %q accepted", image)
				}
			}()
			p := devicepluginPrivateLinkProps()
			p.Image = image
			devicepluginSynth(t, p)
		})
	}
	p := devicepluginPrivateLinkProps()
	p.Image = "registry.example:5000/plugin@sha256:" + strings.Repeat("a", 64)
	if _, _, ctr := devicepluginSynth(t, p); ctr["image"] != p.Image {
		t.Errorf("digest-pinned image = %v", ctr["image"])
	}
}

func TestDevicePluginResourcesAreConfigurable(t *testing.T) {
	p := devicepluginPrivateLinkProps()
	p.Limits = map[string]string{"cpu": "200m", "memory": "64Mi"}
	p.Requests = map[string]string{"cpu": "20m", "memory": "32Mi"}
	_, _, ctr := devicepluginSynth(t, p)
	res := synthtest.Block(ctr, "resources")
	if !reflect.DeepEqual(res["limits"], map[string]any{"cpu": "200m", "memory": "64Mi"}) || !reflect.DeepEqual(res["requests"], map[string]any{"cpu": "20m", "memory": "32Mi"}) {
		t.Errorf("resources = %v", res)
	}
}
