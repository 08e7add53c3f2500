// Package trustsync keeps a party's copies of its peers' CA certificates
// current: a Kubernetes CronJob runs `mpc-trust sync`, which copies
// PUB-p<peer>/CACert/* from every peer's public vault into the party's own
// public vault, where the party's MPC services look for them. A peer that
// has not published yet is reported missing and retried on the next run; a
// rotated certificate replaces the copy on the next run.
//
// The Job runs as its own service account, bound through IRSA to a role
// whose policy (RolePolicy) can list and read only the peers' CA prefixes
// and write only those prefixes of the party's own public vault. Its pod
// runs as a non-root user with a read-only root filesystem, no
// capabilities and no Kubernetes API token.
package trustsync

import (
	"encoding/json"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/configmapv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/cronjobv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"

	"github.com/mpc-mesh/infra/constructs/nodegroup"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
	"github.com/mpc-mesh/infra/internal/trust"
)

// PlanKey is the ConfigMap key, and file name under MountPath, of the plan JSON.
const PlanKey = "plan.json"

// MountPath is where the plan ConfigMap is mounted in the container.
const MountPath = "/etc/mpc-trust"

// DefaultName names the CronJob, its ConfigMap and its service account.
const DefaultName = "mpc-trust-sync"

// Statement ids of RolePolicy.
const (
	SidListPeerCA   = "ListPeerCA"
	SidReadPeerCA   = "ReadPeerCA"
	SidListOwnCopy  = "ListOwnCopies"
	SidWriteOwnCopy = "WriteOwnCopies"
)

// RolePolicy is the sync role's permission policy, for the plan's own
// vault and peers; every statement names its purpose:
//
//   - s3:ListBucket on each peer's bucket, only with s3:prefix equal to that
//     peer's CA prefix: the sync discovers the peer's CA objects;
//   - s3:GetObject on each peer's CA prefix: it reads them;
//   - s3:ListBucket on the own bucket, only with s3:prefix equal to a
//     peer's CA prefix: it finds which copies exist (S3 answers a read of
//     an absent key with AccessDenied to a caller that cannot list);
//   - s3:GetObject and s3:PutObject on the peers' CA prefixes of the own
//     bucket: it compares and writes the copies. No s3:DeleteObject: a copy
//     is only ever replaced, and the bucket is versioned.
//
// Nothing else: no other prefix, bucket or action. Bucket names may be
// cdktf tokens. peers must not be empty: there is nothing to sync then, and
// the stacks create no role.
func RolePolicy(partition string, self trust.Vault, peers []trust.Vault) policy.Document {
	arn := func(bucket string) string { return "arn:" + partition + ":s3:::" + bucket }
	var statements []policy.Statement
	var peerObjects, ownObjects, ownPrefixes []string
	for _, q := range peers {
		prefix := trust.CAPrefix(q.PartyID)
		statements = append(statements, policy.Statement{
			Sid:       fmt.Sprintf("%sP%d", SidListPeerCA, q.PartyID),
			Effect:    policy.Allow,
			Action:    []string{"s3:ListBucket"},
			Resource:  []string{arn(q.Bucket)},
			Condition: map[string]map[string]any{"StringEquals": {"s3:prefix": []string{prefix}}},
		})
		peerObjects = append(peerObjects, arn(q.Bucket)+"/"+prefix+"*")
		ownObjects = append(ownObjects, arn(self.Bucket)+"/"+prefix+"*")
		ownPrefixes = append(ownPrefixes, prefix)
	}
	statements = append(statements,
		policy.Statement{Sid: SidReadPeerCA, Effect: policy.Allow, Action: []string{"s3:GetObject"}, Resource: peerObjects},
		policy.Statement{
			Sid:       SidListOwnCopy,
			Effect:    policy.Allow,
			Action:    []string{"s3:ListBucket"},
			Resource:  []string{arn(self.Bucket)},
			Condition: map[string]map[string]any{"StringEquals": {"s3:prefix": ownPrefixes}},
		},
		policy.Statement{Sid: SidWriteOwnCopy, Effect: policy.Allow, Action: []string{"s3:GetObject", "s3:PutObject"}, Resource: ownObjects},
	)
	return policy.New(statements...)
}

// Toleration lets the pod run on tainted nodes; the same type the node
// group derives from its taints.
type Toleration = nodegroup.Toleration

// Props configures the sync CronJob.
type Props struct {
	// Namespace of the CronJob, ConfigMap and service account. Required;
	// pass the namespace resource's name so they are created after it.
	Namespace *string
	// Name of the CronJob, ConfigMap and service account. Default DefaultName.
	Name string
	// Image is the mpc-trust image the operator publishes, pinned by tag or
	// digest (config validation refuses latest). Required.
	Image string
	// Command is the container command. Default ["/mpc-trust"].
	Command []string
	// Schedule in cron syntax. Default trust.DefaultSchedule.
	Schedule string
	// RoleARN is the IRSA role the service account is bound to. Required;
	// usually a token from the party stack.
	RoleARN *string
	// Plan is what to sync. Bucket names may be cdktf tokens from other
	// stacks; they are resolved in the ConfigMap. Required.
	Plan trust.Plan
	// NodeSelector and Tolerations place the pod. Default: no constraint.
	NodeSelector map[string]string
	Tolerations  []Toleration
	// ActiveDeadlineSeconds bounds one run. Default 300.
	ActiveDeadlineSeconds int
	// Labels are added to every object, on top of app.kubernetes.io/name and
	// app.kubernetes.io/component.
	Labels map[string]string
}

// Sync is the created CronJob and what it uses.
type Sync struct {
	// CronJob is the kubernetes_cron_job_v1 resource.
	CronJob cronjobv1.CronJobV1
	// ConfigMap holds the plan.
	ConfigMap configmapv1.ConfigMapV1
	// ServiceAccount is the IRSA-bound identity of the pod.
	ServiceAccount serviceaccountv1.ServiceAccountV1
	// ServiceAccountName is the service account's name, which the IRSA
	// role's trust policy must name.
	ServiceAccountName string
}

// New creates the service account, the plan ConfigMap and the CronJob.
func New(scope constructs.Construct, id string, props *Props) *Sync {
	c := constructs.NewConstruct(scope, jsii.String(id))
	p := withDefaults(*props)
	planJSON, err := json.Marshal(p.Plan)
	if err != nil {
		panic(fmt.Sprintf("trustsync: plan: %v", err)) // only plain values: cannot happen
	}
	labels := map[string]string{"app.kubernetes.io/name": "mpc-trust", "app.kubernetes.io/component": "ca-sync"}
	for k, v := range p.Labels {
		labels[k] = v
	}
	l := jsiivalue.OptionalStringMap(labels)
	sa := serviceaccountv1.NewServiceAccountV1(c, jsii.String("service-account"), &serviceaccountv1.ServiceAccountV1Config{
		Metadata: &serviceaccountv1.ServiceAccountV1Metadata{
			Name: jsii.String(p.Name), Namespace: p.Namespace, Labels: l,
			Annotations: &map[string]*string{"eks.amazonaws.com/role-arn": p.RoleARN},
		},
		// The pod calls S3 only; the IRSA webhook mounts its own token.
		AutomountServiceAccountToken: jsii.Bool(false),
	})
	cm := configmapv1.NewConfigMapV1(c, jsii.String("plan"), &configmapv1.ConfigMapV1Config{
		Metadata: &configmapv1.ConfigMapV1Metadata{Name: jsii.String(p.Name), Namespace: p.Namespace, Labels: l},
		Data:     &map[string]*string{PlanKey: jsii.String(string(planJSON))},
	})
	tolerations := make([]*cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecToleration, 0, len(p.Tolerations))
	for _, t := range p.Tolerations {
		op := t.Operator
		if op == "" {
			op = "Equal"
		}
		tol := &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecToleration{Key: jsii.String(t.Key), Operator: jsii.String(op), Effect: jsii.String(t.Effect)}
		if t.Value != "" {
			tol.Value = jsii.String(t.Value)
		}
		tolerations = append(tolerations, tol)
	}
	job := cronjobv1.NewCronJobV1(c, jsii.String("cronjob"), &cronjobv1.CronJobV1Config{
		Metadata: &cronjobv1.CronJobV1Metadata{Name: jsii.String(p.Name), Namespace: p.Namespace, Labels: l},
		Spec: &cronjobv1.CronJobV1Spec{
			Schedule: jsii.String(p.Schedule),
			// A slow run is not doubled by the next one.
			ConcurrencyPolicy:          jsii.String("Forbid"),
			SuccessfulJobsHistoryLimit: jsii.Number(1),
			FailedJobsHistoryLimit:     jsii.Number(3),
			JobTemplate: &cronjobv1.CronJobV1SpecJobTemplate{
				Metadata: &cronjobv1.CronJobV1SpecJobTemplateMetadata{Labels: l},
				Spec: &cronjobv1.CronJobV1SpecJobTemplateSpec{
					// The next scheduled run is the retry.
					BackoffLimit:          jsii.Number(0),
					ActiveDeadlineSeconds: jsii.Number(float64(p.ActiveDeadlineSeconds)),
					Template: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplate{
						Metadata: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateMetadata{Labels: l},
						Spec: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpec{
							ServiceAccountName:           sa.Metadata().Name(),
							RestartPolicy:                jsii.String("Never"),
							AutomountServiceAccountToken: jsii.Bool(false),
							EnableServiceLinks:           jsii.Bool(false),
							NodeSelector:                 jsiivalue.OptionalStringMap(p.NodeSelector),
							Toleration:                   &tolerations,
							SecurityContext: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecSecurityContext{
								RunAsNonRoot:   jsii.Bool(true),
								RunAsUser:      jsii.String("65532"),
								RunAsGroup:     jsii.String("65532"),
								SeccompProfile: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecSecurityContextSeccompProfile{Type: jsii.String("RuntimeDefault")},
							},
							Container: &[]*cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecContainer{{
								Name:    jsii.String("sync"),
								Image:   jsii.String(p.Image),
								Command: jsii.Strings(p.Command...),
								Args:    jsii.Strings("sync", "--plan", MountPath+"/"+PlanKey),
								SecurityContext: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecContainerSecurityContext{
									AllowPrivilegeEscalation: jsii.Bool(false),
									Privileged:               jsii.Bool(false),
									ReadOnlyRootFilesystem:   jsii.Bool(true),
									RunAsNonRoot:             jsii.Bool(true),
									Capabilities:             &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecContainerSecurityContextCapabilities{Drop: jsii.Strings("ALL")},
								},
								Resources: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecContainerResources{
									Requests: jsiivalue.OptionalStringMap(map[string]string{"cpu": "10m", "memory": "32Mi"}),
									Limits:   jsiivalue.OptionalStringMap(map[string]string{"cpu": "200m", "memory": "128Mi"}),
								},
								VolumeMount: &[]*cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecContainerVolumeMount{{
									Name: jsii.String("plan"), MountPath: jsii.String(MountPath), ReadOnly: jsii.Bool(true),
								}},
							}},
							Volume: &[]*cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecVolume{{
								Name:      jsii.String("plan"),
								ConfigMap: &cronjobv1.CronJobV1SpecJobTemplateSpecTemplateSpecVolumeConfigMap{Name: cm.Metadata().Name(), DefaultMode: jsii.String("0444")},
							}},
						},
					},
				},
			},
		},
	})
	return &Sync{CronJob: job, ConfigMap: cm, ServiceAccount: sa, ServiceAccountName: p.Name}
}

func withDefaults(p Props) Props {
	if p.Name == "" {
		p.Name = DefaultName
	}
	if len(p.Command) == 0 {
		p.Command = []string{"/mpc-trust"}
	}
	if p.Schedule == "" {
		p.Schedule = trust.DefaultSchedule
	}
	if p.ActiveDeadlineSeconds == 0 {
		p.ActiveDeadlineSeconds = 300
	}
	return p
}
