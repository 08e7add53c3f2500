// Package deviceplugin runs the AWS Nitro Enclaves Kubernetes device plugin
// on the enclave nodes: a DaemonSet in kube-system that advertises the
// aws.ec2.nitro/nitro_enclaves resource the MPC pods request.
package deviceplugin

import (
	"fmt"
	"sort"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/daemonsetv1"

	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/internal/imageref"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
	"github.com/mpc-mesh/infra/internal/nodedefaults"
)

// Fixed names of the DaemonSet.
const (
	// Name is the DaemonSet and pod hostname prefix.
	Name = "aws-nitro-enclaves-k8s-device-plugin"
	// Namespace is where the DaemonSet runs.
	Namespace = "kube-system"
	// DefaultImage is the pinned device-plugin image.
	DefaultImage = nodedefaults.DevicePluginImage
	// appLabel is the selector label value of the pods.
	appLabel = "aws-nitro-enclaves"
)

// DefaultLimits and DefaultRequests are the container's resources.
var (
	DefaultLimits   = map[string]string{"cpu": nodedefaults.DevicePluginCPULimit, "memory": nodedefaults.DevicePluginMemoryLimit}
	DefaultRequests = map[string]string{"cpu": nodedefaults.DevicePluginCPURequest, "memory": nodedefaults.DevicePluginMemoryRequest}
)

// HostPaths are the host directories the plugin mounts at the same path, by volume name.
var HostPaths = map[string]string{
	"device-plugin": "/var/lib/kubelet/device-plugins",
	"dev-dir":       "/dev",
	"sys-dir":       "/sys",
}

// Props configures the device plugin.
type Props struct {
	// Image is the container image. Default: DefaultImage (pinned tag).
	// An image without a tag, or tagged latest, panics: the registry could
	// change the plugin under the nodes.
	Image string
	// NodeSelector restricts the pods to enclave nodes, e.g.
	// nodegroup.PrivateLinkLabels() or {"mpc.io/enclave": "true"}. Default:
	// none (every node).
	NodeSelector map[string]string
	// Tolerations let the pods onto tainted enclave nodes, e.g.
	// nodegroup.Tolerations(nodegroup.KubeIPTaints()). Default: none.
	Tolerations []nodegroup.Toleration
	// ExtraEnv is merged over the built-in ENCLAVE_CPU_ADVERTISEMENT=TRUE.
	// Default: none.
	ExtraEnv map[string]string
	// Limits and Requests are the container resources. Default:
	// DefaultLimits (100m / 30Mi) and DefaultRequests (10m / 15Mi).
	Limits, Requests map[string]string
}

// DevicePlugin is the created DaemonSet.
type DevicePlugin struct {
	// DaemonSet is the DaemonSet resource.
	DaemonSet daemonsetv1.DaemonSetV1
	// Name is the DaemonSet name.
	Name *string
}

// New creates the device-plugin DaemonSet.
func New(scope constructs.Construct, id string, props *Props) *DevicePlugin {
	c := constructs.NewConstruct(scope, jsii.String(id))
	image := props.Image
	if image == "" {
		image = DefaultImage
	}
	if !imageref.Pinned(image) {
		panic(fmt.Sprintf("deviceplugin: image %q is not pinned; give a release tag such as %s or a sha256 digest", image, imageref.Tag(DefaultImage)))
	}
	limits, requests := props.Limits, props.Requests
	if limits == nil {
		limits = DefaultLimits
	}
	if requests == nil {
		requests = DefaultRequests
	}
	env := map[string]string{"ENCLAVE_CPU_ADVERTISEMENT": "TRUE"}
	for k, v := range props.ExtraEnv {
		env[k] = v
	}
	selector := map[string]string{"name": appLabel}
	ds := daemonsetv1.NewDaemonSetV1(c, jsii.String("daemonset"), &daemonsetv1.DaemonSetV1Config{
		Metadata: &daemonsetv1.DaemonSetV1Metadata{
			Name:      jsii.String(Name),
			Namespace: jsii.String(Namespace),
			Labels:    jsiivalue.OptionalStringMap(map[string]string{"name": appLabel, "role": "agent"}),
		},
		Spec: &daemonsetv1.DaemonSetV1Spec{
			Selector: &daemonsetv1.DaemonSetV1SpecSelector{MatchLabels: jsiivalue.OptionalStringMap(selector)},
			Strategy: &daemonsetv1.DaemonSetV1SpecStrategy{Type: jsii.String("RollingUpdate")},
			Template: &daemonsetv1.DaemonSetV1SpecTemplate{
				Metadata: &daemonsetv1.DaemonSetV1SpecTemplateMetadata{
					Labels:      jsiivalue.OptionalStringMap(selector),
					Annotations: jsiivalue.OptionalStringMap(map[string]string{"node.kubernetes.io/bootstrap-checkpoint": "true"}),
				},
				Spec: &daemonsetv1.DaemonSetV1SpecTemplateSpec{
					NodeSelector:                  jsiivalue.OptionalStringMap(props.NodeSelector),
					PriorityClassName:             jsii.String("system-node-critical"),
					Hostname:                      jsii.String(appLabel),
					TerminationGracePeriodSeconds: jsii.Number(30),
					Toleration:                    tolerations(props.Tolerations),
					Container: []*daemonsetv1.DaemonSetV1SpecTemplateSpecContainer{{
						Name:            jsii.String(appLabel),
						Image:           jsii.String(image),
						ImagePullPolicy: jsii.String("IfNotPresent"),
						SecurityContext: &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerSecurityContext{
							ReadOnlyRootFilesystem:   jsii.Bool(true),
							AllowPrivilegeEscalation: jsii.Bool(false),
							Capabilities:             &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerSecurityContextCapabilities{Drop: jsii.Strings("ALL")},
						},
						Env: envVars(env),
						Resources: &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerResources{
							Limits:   jsiivalue.OptionalStringMap(limits),
							Requests: jsiivalue.OptionalStringMap(requests),
						},
						VolumeMount: volumeMounts(),
					}},
					Volume: volumes(),
				},
			},
		},
	})
	return &DevicePlugin{DaemonSet: ds, Name: ds.Metadata().Name()}
}

// sortedKeys gives maps a stable order in lists, so synthesized output does not churn.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func envVars(env map[string]string) []*daemonsetv1.DaemonSetV1SpecTemplateSpecContainerEnv {
	res := []*daemonsetv1.DaemonSetV1SpecTemplateSpecContainerEnv{}
	for _, k := range sortedKeys(env) {
		res = append(res, &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerEnv{Name: jsii.String(k), Value: jsii.String(env[k])})
	}
	return res
}

func volumeMounts() []*daemonsetv1.DaemonSetV1SpecTemplateSpecContainerVolumeMount {
	res := []*daemonsetv1.DaemonSetV1SpecTemplateSpecContainerVolumeMount{}
	for _, name := range sortedKeys(HostPaths) {
		res = append(res, &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerVolumeMount{Name: jsii.String(name), MountPath: jsii.String(HostPaths[name])})
	}
	return res
}

func volumes() []*daemonsetv1.DaemonSetV1SpecTemplateSpecVolume {
	res := []*daemonsetv1.DaemonSetV1SpecTemplateSpecVolume{}
	for _, name := range sortedKeys(HostPaths) {
		res = append(res, &daemonsetv1.DaemonSetV1SpecTemplateSpecVolume{
			Name:     jsii.String(name),
			HostPath: &daemonsetv1.DaemonSetV1SpecTemplateSpecVolumeHostPath{Path: jsii.String(HostPaths[name])},
		})
	}
	return res
}

func tolerations(ts []nodegroup.Toleration) []*daemonsetv1.DaemonSetV1SpecTemplateSpecToleration {
	res := []*daemonsetv1.DaemonSetV1SpecTemplateSpecToleration{}
	for _, t := range ts {
		res = append(res, &daemonsetv1.DaemonSetV1SpecTemplateSpecToleration{
			Key: jsii.String(t.Key), Operator: jsii.String(t.Operator), Value: optional(t.Value), Effect: optional(t.Effect),
		})
	}
	return res
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
