// Package netcheckjob runs the mpc-netcheck probe once inside a party's
// cluster: a ConfigMap holding the probe plan and a Kubernetes Job that
// probes every peer on every MPC port from the enclave node pool, so the
// check leaves from the same nodes (and the same public IP) as MPC traffic.
// The Job's exit status is the check's verdict and its log is the JSON
// report that `mpc-netcheck mesh` reads.
package netcheckjob

import (
	"encoding/json"
	"fmt"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/configmapv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/jobv1"

	"github.com/mpc-mesh/infra/internal/netcheck"
)

// PlanKey is the ConfigMap key, and file name under MountPath, of the plan JSON.
const PlanKey = "plan.json"

// MountPath is where the plan ConfigMap is mounted in the container.
const MountPath = "/etc/mpc-netcheck"

// Toleration lets the Job's pod run on tainted nodes; the same type the
// node group derives from its taints.
type Toleration = nodegroup.Toleration

// Props configures the probe Job.
type Props struct {
	// Namespace the ConfigMap and Job live in. Required; pass the namespace
	// resource's name so the Job is created after it.
	Namespace *string
	// Name of the Job and ConfigMap. Default "mpc-netcheck".
	Name string
	// Image is the mpc-netcheck image the operator publishes (its entrypoint
	// is the binary, or the binary is at /mpc-netcheck). Required.
	Image string
	// Command is the container command. Default ["/mpc-netcheck"].
	Command []string
	// Plan is what to probe. String fields (peer addresses) may hold cdktf
	// tokens from other stacks; they are resolved in the ConfigMap. Required.
	Plan netcheck.Plan
	// NodeSelector pins the pod to the enclave node pool.
	// Default {"mpc.io/enclave": "true"}.
	NodeSelector map[string]string
	// Tolerations let the pod onto the enclave nodes' taint.
	// Default one toleration of mpc.io/enclave=true:NoSchedule.
	Tolerations []Toleration
	// TimeoutSeconds, Attempts and RetryDelaySeconds are the probe's per-attempt deadline
	// in seconds, tries per path and pause between tries. Defaults 3, 3 and 2.
	TimeoutSeconds, Attempts, RetryDelaySeconds int
	// BackoffLimit is how many times a failed probe pod is retried. Default 1.
	BackoffLimit int
	// ActiveDeadlineSeconds bounds the whole Job. Default 600.
	ActiveDeadlineSeconds int
	// TTLSecondsAfterFinished deletes the finished Job (and its log) after this
	// long; Terraform then plans to create it again, which re-runs the check.
	// Default 3600.
	TTLSecondsAfterFinished int
	// Labels are added to the Job, its pod and the ConfigMap, on top of
	// app.kubernetes.io/name and app.kubernetes.io/component.
	Labels map[string]string
}

// Job is the created probe Job.
type Job struct {
	// Job is the kubernetes_job_v1 resource.
	Job jobv1.JobV1
	// ConfigMap is the kubernetes_config_map_v1 holding the plan.
	ConfigMap configmapv1.ConfigMapV1
	// Name is the Job name, for `kubectl logs job/<name>`.
	Name *string
	// Namespace is the Job's namespace.
	Namespace *string
}

// New creates the plan ConfigMap and the probe Job.
func New(scope constructs.Construct, id string, props *Props) *Job {
	c := constructs.NewConstruct(scope, jsii.String(id))
	p := withDefaults(*props)
	planJSON, err := json.Marshal(p.Plan)
	if err != nil {
		panic(fmt.Sprintf("netcheckjob: plan: %v", err)) // only plain values: cannot happen
	}
	labels := map[string]string{"app.kubernetes.io/name": "mpc-netcheck", "app.kubernetes.io/component": "connectivity-check"}
	for k, v := range p.Labels {
		labels[k] = v
	}
	cm := configmapv1.NewConfigMapV1(c, jsii.String("plan"), &configmapv1.ConfigMapV1Config{
		Metadata: &configmapv1.ConfigMapV1Metadata{Name: jsii.String(p.Name), Namespace: p.Namespace, Labels: jsiivalue.OptionalStringMap(labels)},
		Data:     &map[string]*string{PlanKey: jsii.String(string(planJSON))},
	})
	args := []string{"probe", "--targets", MountPath + "/" + PlanKey, "--json",
		"--timeout", strconv.Itoa(p.TimeoutSeconds) + "s", "--attempts", strconv.Itoa(p.Attempts), "--retry-delay", strconv.Itoa(p.RetryDelaySeconds) + "s"}
	tolerations := make([]*jobv1.JobV1SpecTemplateSpecToleration, 0, len(p.Tolerations))
	for _, t := range p.Tolerations {
		op := t.Operator
		if op == "" {
			op = "Equal"
		}
		tol := &jobv1.JobV1SpecTemplateSpecToleration{Key: jsii.String(t.Key), Operator: jsii.String(op), Effect: jsii.String(t.Effect)}
		if t.Value != "" {
			tol.Value = jsii.String(t.Value)
		}
		tolerations = append(tolerations, tol)
	}
	job := jobv1.NewJobV1(c, jsii.String("job"), &jobv1.JobV1Config{
		Metadata: &jobv1.JobV1Metadata{Name: jsii.String(p.Name), Namespace: p.Namespace, Labels: jsiivalue.OptionalStringMap(labels)},
		Spec: &jobv1.JobV1Spec{
			BackoffLimit:            jsii.Number(float64(p.BackoffLimit)),
			ActiveDeadlineSeconds:   jsii.Number(float64(p.ActiveDeadlineSeconds)),
			TtlSecondsAfterFinished: jsii.String(strconv.Itoa(p.TTLSecondsAfterFinished)),
			Template: &jobv1.JobV1SpecTemplate{
				Metadata: &jobv1.JobV1SpecTemplateMetadata{Labels: jsiivalue.OptionalStringMap(labels)},
				Spec: &jobv1.JobV1SpecTemplateSpec{
					RestartPolicy:                jsii.String("Never"),
					AutomountServiceAccountToken: jsii.Bool(false),
					EnableServiceLinks:           jsii.Bool(false),
					NodeSelector:                 jsiivalue.OptionalStringMap(p.NodeSelector),
					Toleration:                   &tolerations,
					SecurityContext: &jobv1.JobV1SpecTemplateSpecSecurityContext{
						RunAsNonRoot:   jsii.Bool(true),
						RunAsUser:      jsii.String("65532"),
						RunAsGroup:     jsii.String("65532"),
						SeccompProfile: &jobv1.JobV1SpecTemplateSpecSecurityContextSeccompProfile{Type: jsii.String("RuntimeDefault")},
					},
					Container: &[]*jobv1.JobV1SpecTemplateSpecContainer{{
						Name:    jsii.String("probe"),
						Image:   jsii.String(p.Image),
						Command: jsii.Strings(p.Command...),
						Args:    jsii.Strings(args...),
						SecurityContext: &jobv1.JobV1SpecTemplateSpecContainerSecurityContext{
							AllowPrivilegeEscalation: jsii.Bool(false),
							Privileged:               jsii.Bool(false),
							ReadOnlyRootFilesystem:   jsii.Bool(true),
							RunAsNonRoot:             jsii.Bool(true),
							Capabilities:             &jobv1.JobV1SpecTemplateSpecContainerSecurityContextCapabilities{Drop: jsii.Strings("ALL")},
						},
						Resources: &jobv1.JobV1SpecTemplateSpecContainerResources{
							Requests: jsiivalue.OptionalStringMap(map[string]string{"cpu": "10m", "memory": "16Mi"}),
							Limits:   jsiivalue.OptionalStringMap(map[string]string{"cpu": "100m", "memory": "64Mi"}),
						},
						VolumeMount: &[]*jobv1.JobV1SpecTemplateSpecContainerVolumeMount{{
							Name: jsii.String("plan"), MountPath: jsii.String(MountPath), ReadOnly: jsii.Bool(true),
						}},
					}},
					Volume: &[]*jobv1.JobV1SpecTemplateSpecVolume{{
						Name:      jsii.String("plan"),
						ConfigMap: &jobv1.JobV1SpecTemplateSpecVolumeConfigMap{Name: cm.Metadata().Name(), DefaultMode: jsii.String("0444")},
					}},
				},
			},
		},
		// The check runs once; apply must not block on (or fail with) the mesh's state.
		WaitForCompletion: jsii.Bool(false),
	})
	return &Job{Job: job, ConfigMap: cm, Name: job.Metadata().Name(), Namespace: p.Namespace}
}

func withDefaults(p Props) Props {
	if p.Name == "" {
		p.Name = "mpc-netcheck"
	}
	if len(p.Command) == 0 {
		p.Command = []string{"/mpc-netcheck"}
	}
	if p.NodeSelector == nil {
		p.NodeSelector = map[string]string{nodegroup.KubeIPEnclaveKey: "true"}
	}
	if p.Tolerations == nil {
		p.Tolerations = nodegroup.Tolerations(nodegroup.KubeIPTaints())
	}
	setDefault(&p.TimeoutSeconds, 3)
	setDefault(&p.Attempts, 3)
	setDefault(&p.RetryDelaySeconds, 2)
	setDefault(&p.BackoffLimit, 1)
	setDefault(&p.ActiveDeadlineSeconds, 600)
	setDefault(&p.TTLSecondsAfterFinished, 3600)
	return p
}

func setDefault(v *int, def int) {
	if *v == 0 {
		*v = def
	}
}
