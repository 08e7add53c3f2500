// Package kubeip deploys the DoiT KubeIP v2 agent, which associates one of the
// party's reserved Elastic IPs with each enclave node, and creates the IAM
// role it runs as. It has two constructors because the two halves live in
// different stacks:
//
//   - NewRole (AWS, party stack): the IRSA role of the agent's service
//     account, allowed to associate only this party's addresses in this
//     environment.
//   - New (Kubernetes, cluster stack): ServiceAccount, ClusterRole,
//     ClusterRoleBinding and the DaemonSet, scheduled only on enclave nodes.
//
// Both sides must agree on the namespace and service account name; leave
// them at their defaults or pass the same values to both.
//
// KubeIP v2 reference: README and cmd/main.go of github.com/doitintl/kubeip
// (master, commit a78270d): the agent reads NODE_NAME, FILTER (AWS
// describe-addresses shorthand filters joined by ";"), LOG_LEVEL,
// LEASE_NAMESPACE and LEASE_DURATION (seconds, default 5); it needs nodes
// "get" and leases create/get/update/delete (internal/lease/lock.go renews
// its lease with Update); its image runs as user 1001 from scratch.
package kubeip

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/clusterrolebindingv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/clusterrolev1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/daemonsetv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
)

// Defaults shared by NewRole and New.
const (
	// DefaultNamespace is where the agent and its service account run.
	DefaultNamespace = "kube-system"
	// DefaultServiceAccount is the agent's service account name.
	DefaultServiceAccount = "kubeip-agent"
	// DefaultName names the DaemonSet, the ClusterRole and the ClusterRoleBinding.
	DefaultName = "kubeip"
	// DefaultImageRepository is the KubeIP v2 agent image.
	DefaultImageRepository = "doitintl/kubeip-agent"
	// DefaultVersion is the pinned agent image tag: release v2.2.0, published
	// by the project's CI as Docker tag "2.2.0" (docker/metadata-action semver
	// pattern, no "v"). Never "latest": with IfNotPresent that pins nothing.
	DefaultVersion = "2.2.0"
	// DefaultLogLevel is the agent log level (debug, info, warning, error).
	DefaultLogLevel = "info"
	// DefaultLeaseDurationSeconds is KubeIP's own default lease duration.
	DefaultLeaseDurationSeconds = 5
	// PriorityClass keeps the agent scheduled on a full node: without it the
	// node never gets its address.
	PriorityClass = "system-node-critical"
	// RunAsID is the non-root user and group of the agent image (USER 1001).
	RunAsID = "1001"
)

// The enclave taint, which the agent tolerates and nothing else.
const (
	// EnclaveTaintKey is the taint key of the enclave nodes.
	EnclaveTaintKey = nodegroup.KubeIPEnclaveKey
	// EnclaveTaintValue is the taint value of the enclave nodes.
	EnclaveTaintValue = "true"
	// EnclaveTaintEffect is the taint effect of the enclave nodes.
	EnclaveTaintEffect = "NoSchedule"
)

// DefaultNodeSelector selects the enclave node group's nodes.
var DefaultNodeSelector = nodegroup.KubeIPAgentSelector()

// DefaultRequests and DefaultLimits are the agent's container resources.
var (
	DefaultRequests = map[string]string{"cpu": "10m", "memory": "32Mi"}
	DefaultLimits   = map[string]string{"cpu": "100m", "memory": "64Mi"}
)

// Filter renders tags as a KubeIP AWS FILTER: one "Name=tag:<key>,Values=<value>"
// entry per tag, in sorted key order, joined by ";" (KubeIP ANDs them).
// Values must not contain "," or ";", which the filter syntax reserves.
func Filter(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("Name=tag:%s,Values=%s", k, tags[k]))
	}
	return strings.Join(parts, ";")
}

// Props configures the in-cluster part of KubeIP.
type Props struct {
	// Name of the DaemonSet, ClusterRole and ClusterRoleBinding, and the
	// app.kubernetes.io/instance label. Default: DefaultName.
	Name string
	// Namespace of the service account and the DaemonSet. It must exist.
	// Default: DefaultNamespace.
	Namespace string
	// ServiceAccount is the agent's service account name; it must match
	// RoleProps.ServiceAccount. Default: DefaultServiceAccount.
	ServiceAccount string
	// RoleARN is the ARN of the role made by NewRole, written to the
	// eks.amazonaws.com/role-arn annotation. Required; usually a token.
	RoleARN *string
	// ImageRepository is the agent image without tag. Default: DefaultImageRepository.
	ImageRepository string
	// Version is the agent image tag and the app.kubernetes.io/version label.
	// Default: DefaultVersion.
	Version string
	// FilterTags are the tags an Elastic IP must carry for this agent to claim
	// it, usually elasticip.DiscoveryTags(environment, partyID). Required and
	// non-empty: an empty filter would let the agent take any address.
	FilterTags map[string]string
	// LogLevel is the agent log level. Default: DefaultLogLevel.
	LogLevel string
	// LeaseNamespace is where the agents take their cluster-wide assignment
	// lock. Default: Namespace.
	LeaseNamespace string
	// LeaseDurationSeconds is the lock's lease duration. Default: DefaultLeaseDurationSeconds.
	LeaseDurationSeconds int
	// NodeSelector restricts the agent to the enclave nodes. Default: DefaultNodeSelector.
	NodeSelector map[string]string
	// Requests and Limits are the container's resources. Default:
	// DefaultRequests and DefaultLimits.
	Requests, Limits map[string]string
}

// Agent is the deployed KubeIP agent.
type Agent struct {
	// ServiceAccount, ClusterRole, ClusterRoleBinding and DaemonSet are the created objects.
	ServiceAccount     serviceaccountv1.ServiceAccountV1
	ClusterRole        clusterrolev1.ClusterRoleV1
	ClusterRoleBinding clusterrolebindingv1.ClusterRoleBindingV1
	DaemonSet          daemonsetv1.DaemonSetV1
	// ServiceAccountName and DaemonSetName are the object names (tokens).
	ServiceAccountName, DaemonSetName *string
	// Filter is the FILTER value given to the agent.
	Filter string
}

// New creates the agent's ServiceAccount (service-account), ClusterRole
// (cluster-role), ClusterRoleBinding (cluster-role-binding) and DaemonSet
// (daemon-set). It panics if FilterTags is empty.
func New(scope constructs.Construct, id string, props *Props) *Agent {
	if len(props.FilterTags) == 0 {
		panic("kubeip: FilterTags is empty; the agent would claim any Elastic IP of the account")
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	p := withDefaults(*props)
	labels := map[string]string{
		"app.kubernetes.io/name":      "kubeip",
		"app.kubernetes.io/instance":  p.Name,
		"app.kubernetes.io/version":   p.Version,
		"app.kubernetes.io/component": "ip-assigner",
		"app.kubernetes.io/part-of":   "mpc-mesh",
	}
	sa := serviceaccountv1.NewServiceAccountV1(c, jsii.String("service-account"), &serviceaccountv1.ServiceAccountV1Config{
		Metadata: &serviceaccountv1.ServiceAccountV1Metadata{
			Name:        jsii.String(p.ServiceAccount),
			Namespace:   jsii.String(p.Namespace),
			Labels:      jsiivalue.StringMap(labels),
			Annotations: &map[string]*string{"eks.amazonaws.com/role-arn": p.RoleARN},
		},
		// The agent calls the Kubernetes API (node, lease) with this token.
		AutomountServiceAccountToken: jsii.Bool(true),
	})
	role := clusterrolev1.NewClusterRoleV1(c, jsii.String("cluster-role"), &clusterrolev1.ClusterRoleV1Config{
		Metadata: &clusterrolev1.ClusterRoleV1Metadata{Name: jsii.String(p.Name), Labels: jsiivalue.StringMap(labels)},
		Rule: &[]*clusterrolev1.ClusterRoleV1Rule{
			{ApiGroups: jsii.Strings(""), Resources: jsii.Strings("nodes"), Verbs: jsii.Strings("get")},
			{ApiGroups: jsii.Strings("coordination.k8s.io"), Resources: jsii.Strings("leases"), Verbs: jsii.Strings("create", "get", "update", "delete")},
		},
	})
	binding := clusterrolebindingv1.NewClusterRoleBindingV1(c, jsii.String("cluster-role-binding"), &clusterrolebindingv1.ClusterRoleBindingV1Config{
		Metadata: &clusterrolebindingv1.ClusterRoleBindingV1Metadata{Name: jsii.String(p.Name), Labels: jsiivalue.StringMap(labels)},
		RoleRef: &clusterrolebindingv1.ClusterRoleBindingV1RoleRef{
			ApiGroup: jsii.String("rbac.authorization.k8s.io"), Kind: jsii.String("ClusterRole"), Name: role.Metadata().Name(),
		},
		Subject: &[]*clusterrolebindingv1.ClusterRoleBindingV1Subject{
			{Kind: jsii.String("ServiceAccount"), Name: sa.Metadata().Name(), Namespace: jsii.String(p.Namespace)},
		},
	})
	filter := Filter(p.FilterTags)
	ds := daemonsetv1.NewDaemonSetV1(c, jsii.String("daemon-set"), &daemonsetv1.DaemonSetV1Config{
		Metadata: &daemonsetv1.DaemonSetV1Metadata{Name: jsii.String(p.Name), Namespace: jsii.String(p.Namespace), Labels: jsiivalue.StringMap(labels)},
		Spec: &daemonsetv1.DaemonSetV1Spec{
			Selector: &daemonsetv1.DaemonSetV1SpecSelector{MatchLabels: jsiivalue.StringMap(map[string]string{
				"app.kubernetes.io/name":     labels["app.kubernetes.io/name"],
				"app.kubernetes.io/instance": labels["app.kubernetes.io/instance"],
			})},
			Strategy: &daemonsetv1.DaemonSetV1SpecStrategy{
				Type:          jsii.String("RollingUpdate"),
				RollingUpdate: &daemonsetv1.DaemonSetV1SpecStrategyRollingUpdate{MaxUnavailable: jsii.String("1")},
			},
			Template: &daemonsetv1.DaemonSetV1SpecTemplate{
				Metadata: &daemonsetv1.DaemonSetV1SpecTemplateMetadata{Labels: jsiivalue.StringMap(labels)},
				Spec:     podSpec(p, sa.Metadata().Name(), filter),
			},
		},
		// The agent needs its RBAC from its first start.
		DependsOn: &[]cdktf.ITerraformDependable{binding},
	})
	return &Agent{
		ServiceAccount: sa, ClusterRole: role, ClusterRoleBinding: binding, DaemonSet: ds,
		ServiceAccountName: sa.Metadata().Name(), DaemonSetName: ds.Metadata().Name(), Filter: filter,
	}
}

func podSpec(p Props, serviceAccount *string, filter string) *daemonsetv1.DaemonSetV1SpecTemplateSpec {
	return &daemonsetv1.DaemonSetV1SpecTemplateSpec{
		ServiceAccountName:            serviceAccount,
		AutomountServiceAccountToken:  jsii.Bool(true),
		PriorityClassName:             jsii.String(PriorityClass),
		TerminationGracePeriodSeconds: jsii.Number(30),
		NodeSelector:                  jsiivalue.StringMap(p.NodeSelector),
		// Only the enclave taint: tolerating every taint would let the agent
		// run on (and bind reserved addresses to) non-enclave nodes.
		Toleration: &[]*daemonsetv1.DaemonSetV1SpecTemplateSpecToleration{{
			Key: jsii.String(EnclaveTaintKey), Operator: jsii.String("Equal"),
			Value: jsii.String(EnclaveTaintValue), Effect: jsii.String(EnclaveTaintEffect),
		}},
		SecurityContext: &daemonsetv1.DaemonSetV1SpecTemplateSpecSecurityContext{
			RunAsNonRoot:   jsii.Bool(true),
			RunAsUser:      jsii.String(RunAsID),
			RunAsGroup:     jsii.String(RunAsID),
			SeccompProfile: &daemonsetv1.DaemonSetV1SpecTemplateSpecSecurityContextSeccompProfile{Type: jsii.String("RuntimeDefault")},
		},
		Container: &[]*daemonsetv1.DaemonSetV1SpecTemplateSpecContainer{{
			Name:            jsii.String("kubeip-agent"),
			Image:           jsii.String(p.ImageRepository + ":" + p.Version),
			ImagePullPolicy: jsii.String("IfNotPresent"),
			Env: &[]*daemonsetv1.DaemonSetV1SpecTemplateSpecContainerEnv{
				{Name: jsii.String("NODE_NAME"), ValueFrom: &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerEnvValueFrom{
					FieldRef: &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerEnvValueFromFieldRef{FieldPath: jsii.String("spec.nodeName")},
				}},
				{Name: jsii.String("FILTER"), Value: jsii.String(filter)},
				{Name: jsii.String("LOG_LEVEL"), Value: jsii.String(p.LogLevel)},
				{Name: jsii.String("LEASE_NAMESPACE"), Value: jsii.String(p.LeaseNamespace)},
				{Name: jsii.String("LEASE_DURATION"), Value: jsii.String(strconv.Itoa(p.LeaseDurationSeconds))},
			},
			Resources: &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerResources{
				Requests: jsiivalue.StringMap(p.Requests), Limits: jsiivalue.StringMap(p.Limits),
			},
			SecurityContext: &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerSecurityContext{
				RunAsNonRoot:             jsii.Bool(true),
				Privileged:               jsii.Bool(false),
				AllowPrivilegeEscalation: jsii.Bool(false),
				ReadOnlyRootFilesystem:   jsii.Bool(true),
				Capabilities:             &daemonsetv1.DaemonSetV1SpecTemplateSpecContainerSecurityContextCapabilities{Drop: jsii.Strings("ALL")},
			},
		}},
	}
}

func withDefaults(p Props) Props {
	p.Name = orDefault(p.Name, DefaultName)
	p.Namespace = orDefault(p.Namespace, DefaultNamespace)
	p.ServiceAccount = orDefault(p.ServiceAccount, DefaultServiceAccount)
	p.ImageRepository = orDefault(p.ImageRepository, DefaultImageRepository)
	p.Version = orDefault(p.Version, DefaultVersion)
	p.LogLevel = orDefault(p.LogLevel, DefaultLogLevel)
	p.LeaseNamespace = orDefault(p.LeaseNamespace, p.Namespace)
	if p.LeaseDurationSeconds <= 0 {
		p.LeaseDurationSeconds = DefaultLeaseDurationSeconds
	}
	if len(p.NodeSelector) == 0 {
		p.NodeSelector = DefaultNodeSelector
	}
	if len(p.Requests) == 0 {
		p.Requests = DefaultRequests
	}
	if len(p.Limits) == 0 {
		p.Limits = DefaultLimits
	}
	return p
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
