// Package mpchelm installs a party's MPC services, the kms-core Helm chart,
// as a helm_release: exactly one kms-core pod whose ordinal and threshold id
// are the party id, running the pinned enclave image inside a Nitro Enclave
// sized like the node's enclave allocator, storing key shares in the party's
// private vault under its attested KMS key, told where every party of the
// mesh listens, and scheduled on the enclave nodes. The chart-specific value
// names come from internal/kmscore.
package mpchelm

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// Defaults applied to zero-valued props.
const (
	// DefaultChart is the chart name inside a repository.
	DefaultChart = kmscore.Chart
	// DefaultImage is the kms-core enclave image.
	DefaultImage = kmscore.EnclaveImage
	// DefaultTimeoutSeconds bounds an install or upgrade (the enclave image
	// pull and the peers' readiness take minutes).
	DefaultTimeoutSeconds = 900
	// maxHistory bounds the release secrets Helm keeps.
	maxHistory = 10
)

// PeerHost is where one party of the mesh listens for threshold traffic.
type PeerHost struct {
	// ID is the party id.
	ID int
	// Host is the address the other parties dial: the peer's public IP
	// (KubeIP) or mpc-node-<id>.<namespace>.svc.cluster.local (PrivateLink).
	// May be a cdktf token, such as an Elastic IP from another stack.
	Host *string
	// Port is the peer port. Default: the "peer" port of Props.Ports.
	Port int
}

// Props configures the Helm release.
type Props struct {
	// ReleaseName is the Helm release name; kms-core objects are named
	// <release>-core. Default: "kms-threshold-<PartyID>".
	ReleaseName string
	// Namespace is the existing namespace of the release. Required; may be a token.
	Namespace *string
	// Repository is the chart repository, an OCI ("oci://...") or HTTPS URL.
	// Ignored when LocalChartPath is set.
	Repository string
	// Chart is the chart name in Repository. Default: "kms-core".
	Chart string
	// Version is the pinned chart version. Required with a repository.
	Version string
	// LocalChartPath is a chart directory on the machine running Terraform;
	// when set it replaces Repository/Chart/Version.
	LocalChartPath string
	// DependencyUpdate runs `helm dependency update` before installing, for a
	// local chart whose dependencies are not vendored. Default false.
	DependencyUpdate bool
	// Wait makes Terraform wait for the release's pods to be ready.
	// Default (nil): true.
	Wait *bool
	// Atomic rolls back a failed install or upgrade; it needs Wait.
	// Default (nil): true.
	Atomic *bool
	// TimeoutSeconds bounds install and upgrade. Default: 900.
	TimeoutSeconds int
	// DependsOn lists resources the release must wait for, such as the Nitro
	// device plugin. Default: none.
	DependsOn []cdktf.ITerraformDependable

	// PartyID is this party's id: the pod's ordinal and threshold id. Required.
	PartyID int
	// ThresholdValue is the threshold t (thresholdMode.thresholdValue). Required.
	ThresholdValue int
	// Peers lists every party of the mesh, this one included (thresholdMode.peersList).
	Peers []PeerHost
	// ServiceAccountName is the party's IRSA ServiceAccount. Required; may be a token.
	ServiceAccountName *string
	// RoleARN is the IRSA role of that ServiceAccount, which the enclave
	// assumes (kmsCore.aws.roleArn). Default: nil, left to the EKS webhook's
	// AWS_ROLE_ARN. May be a token.
	RoleARN *string
	// ConfigMapName is the party ConfigMap the pod reads the vault buckets
	// and root key from. Required; may be a token.
	ConfigMapName *string
	// Region is the party's AWS region (kmsCore.aws.region). Required.
	Region string
	// Ports are the MPC ports. Default: mesh.DefaultPorts.
	Ports []mesh.Port
	// NodeSelector places kms-core on the enclave nodes. Default: none.
	NodeSelector map[string]string
	// Tolerations let kms-core onto the tainted enclave nodes. Default: none.
	Tolerations []nodegroup.Toleration
	// Image is the kms-core enclave image repository. Default: DefaultImage.
	Image string
	// ImageTag pins the image release. Required; "latest" is refused.
	ImageTag string
	// EnclaveCPUCount and EnclaveMemoryGiB size the enclave; they must equal
	// what the node's enclave allocator reserves. Required.
	EnclaveCPUCount, EnclaveMemoryGiB int
	// PublicBucket and PrivateBucket are the vault buckets (also in the
	// ConfigMap, which the pod reads). Required; may be tokens.
	PublicBucket, PrivateBucket *string
	// BackupBucket is the backup vault bucket (also in the ConfigMap, with
	// its prefix and the backup key). Default: nil, no backup vault. May be
	// a token.
	BackupBucket *string
	// PeerTLS turns on mutual TLS between the enclaves, accepting peers that
	// run one of TrustedReleases. Default false.
	PeerTLS bool
	// TrustedReleases are the enclave releases peers may run. Required with PeerTLS.
	TrustedReleases []kmscore.TrustedRelease
	// ExtraValues is an operator YAML document passed after the generated
	// values, so its keys win. Default: none.
	ExtraValues string
	// HostPorts are MPC ports the kms-core container must also bind on its
	// node (KubeIP: peers dial the node's Elastic IP). The chart has no
	// setting for it, so the release runs PostRenderer, which adds them.
	// Default: none.
	HostPorts []int
	// PostRenderer is the path of the mpc-postrender binary as Terraform
	// will find it. Required with HostPorts.
	PostRenderer string
}

// MPCRelease is the created Helm release.
type MPCRelease struct {
	// Release is the helm_release resource.
	Release release.Release
	// Name is the release name.
	Name *string
	// Values is the generated values document (tokens unresolved).
	Values string
}

// New creates the Helm release. It panics when a required prop is missing.
func New(scope constructs.Construct, id string, props *Props) *MPCRelease {
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := props.ReleaseName
	if name == "" {
		name = kmscore.DefaultReleaseName(props.PartyID)
	}
	timeout := props.TimeoutSeconds
	if timeout == 0 {
		timeout = DefaultTimeoutSeconds
	}
	values := Values(props)
	valueDocs := []*string{jsii.String(values)}
	if props.ExtraValues != "" {
		valueDocs = append(valueDocs, jsii.String(props.ExtraValues))
	}
	cfg := &release.ReleaseConfig{
		Name:             jsii.String(name),
		Namespace:        props.Namespace,
		CreateNamespace:  jsii.Bool(false),
		Atomic:           jsii.Bool(orTrue(props.Atomic)),
		Wait:             jsii.Bool(orTrue(props.Wait)),
		CleanupOnFail:    jsii.Bool(true),
		Timeout:          jsii.Number(timeout),
		MaxHistory:       jsii.Number(maxHistory),
		DependencyUpdate: jsii.Bool(props.DependencyUpdate),
		Values:           &valueDocs,
	}
	if props.LocalChartPath != "" {
		cfg.Chart = jsii.String(props.LocalChartPath)
	} else {
		if props.Version == "" {
			panic(fmt.Sprintf("mpchelm %s: a chart from repository %q needs a pinned Version", name, props.Repository))
		}
		chart := props.Chart
		if chart == "" {
			chart = DefaultChart
		}
		cfg.Repository, cfg.Chart, cfg.Version = jsii.String(props.Repository), jsii.String(chart), jsii.String(props.Version)
	}
	if len(props.DependsOn) > 0 {
		cfg.DependsOn = &props.DependsOn
	}
	if len(props.HostPorts) > 0 {
		if props.PostRenderer == "" {
			panic(fmt.Sprintf("mpchelm %s: HostPorts need the PostRenderer binary", name))
		}
		cfg.Postrender = &release.ReleasePostrender{
			BinaryPath: jsii.String(props.PostRenderer),
			Args:       jsii.Strings(PostRenderArgs(name, props.HostPorts)...),
		}
	}
	rel := release.NewRelease(c, jsii.String("release"), cfg)
	return &MPCRelease{Release: rel, Name: rel.Name(), Values: values}
}

func orTrue(b *bool) bool { return b == nil || *b }

// PostRenderArgs are the arguments mpc-postrender gets for a release: its
// name and the ports to bind on the node.
func PostRenderArgs(release string, ports []int) []string {
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = strconv.Itoa(p)
	}
	return []string{"--release", release, "--ports", strings.Join(list, ",")}
}

// chartPortNames maps mesh port names to the chart's kmsCore.ports keys.
var chartPortNames = map[string]string{mesh.GRPCName: kmscore.PortClient, mesh.PeerName: kmscore.PortPeer, mesh.MetricsName: kmscore.PortMetrics}

// Values renders the generated values document of the kms-core chart. Token
// strings (peer hosts, ServiceAccount, ConfigMap, buckets, role) are
// embedded as they are and resolve when Terraform applies the stack. It
// panics when a required prop is missing or the image is not pinned.
func Values(props *Props) string {
	switch {
	case props.ServiceAccountName == nil || props.ConfigMapName == nil || props.PublicBucket == nil || props.PrivateBucket == nil:
		panic(fmt.Sprintf("mpchelm party %d: ServiceAccountName, ConfigMapName, PublicBucket and PrivateBucket are required", props.PartyID))
	case props.ImageTag == "" || props.ImageTag == "latest":
		panic(fmt.Sprintf("mpchelm party %d: ImageTag must pin a release, got %q", props.PartyID, props.ImageTag))
	case props.EnclaveCPUCount < 2 || props.EnclaveMemoryGiB < 1:
		panic(fmt.Sprintf("mpchelm party %d: the enclave size is required (got %d CPUs, %d GiB)", props.PartyID, props.EnclaveCPUCount, props.EnclaveMemoryGiB))
	case props.PeerTLS && len(props.TrustedReleases) == 0:
		panic(fmt.Sprintf("mpchelm party %d: PeerTLS needs TrustedReleases", props.PartyID))
	}
	ports := props.Ports
	if len(ports) == 0 {
		ports = mesh.DefaultPorts
	}
	image := props.Image
	if image == "" {
		image = DefaultImage
	}
	var v kmscore.Values
	// One release runs one party: one replica whose ordinal is the party id.
	v.KmsPeers.ID, v.KmsPeers.Count = props.PartyID, 1
	core := &v.KmsCore
	core.Enabled = true
	core.Image = kmscore.Image{Name: image, Tag: props.ImageTag}
	core.ServiceAccountName = kmscore.Token(*props.ServiceAccountName)
	core.EnvFrom.ConfigMap.Name = kmscore.Token(*props.ConfigMapName)
	core.AWS.Region = props.Region
	if props.RoleARN != nil {
		core.AWS.RoleARN = kmscore.Token(*props.RoleARN)
	}
	core.Ports = map[string]int{}
	for _, p := range ports {
		key, ok := chartPortNames[p.Name]
		if !ok {
			key = p.Name
		}
		core.Ports[key] = p.Number
	}
	tm := &core.ThresholdMode
	tm.Enabled = true
	tm.ThresholdValue = props.ThresholdValue
	for _, p := range props.Peers {
		port := p.Port
		if port == 0 {
			port = core.Ports[kmscore.PortPeer]
		}
		tm.PeersList = append(tm.PeersList, kmscore.Peer{ID: p.ID, Host: kmscore.Token(*p.Host), Port: port})
	}
	tm.TLS.Enabled = props.PeerTLS
	if props.PeerTLS {
		tm.TLS.TrustedReleases = props.TrustedReleases
	}
	core.NitroEnclave = kmscore.NitroEnclave{Enabled: true, CPUCount: props.EnclaveCPUCount, MemoryGiB: props.EnclaveMemoryGiB, NetworkTunnel: &kmscore.TunnelValues{}}
	res := &core.NitroEnclave.NetworkTunnel.Resources
	res.Requests = map[string]string{"cpu": kmscore.TunnelCPURequest, "memory": kmscore.TunnelMemoryRequest}
	res.Limits = map[string]string{"cpu": kmscore.TunnelCPULimit, "memory": kmscore.TunnelMemoryLimit}
	core.PublicVault.S3 = kmscore.S3Vault{Enabled: true, Bucket: kmscore.Token(*props.PublicBucket), Prefix: kmscore.PublicPrefix(props.PartyID)}
	core.PrivateVault.S3 = kmscore.S3Vault{Enabled: true, Bucket: kmscore.Token(*props.PrivateBucket), Prefix: kmscore.PrivatePrefix(props.PartyID)}
	core.PrivateVault.AWSKMS.Enabled = true
	if props.BackupBucket != nil {
		b := &kmscore.BackupVault{S3: kmscore.S3Vault{Enabled: true, Bucket: kmscore.Token(*props.BackupBucket), Prefix: kmscore.BackupPrefix}}
		b.AWSKMS.Enabled, b.AWSKMS.RootKeySpec = true, kmscore.RootKeySpecAsymmetric
		core.BackupVault = b
	}
	core.NodeSelector = props.NodeSelector
	for _, t := range props.Tolerations {
		core.Tolerations = append(core.Tolerations, kmscore.Toleration{Key: t.Key, Operator: t.Operator, Value: t.Value, Effect: t.Effect})
	}
	return v.Marshal()
}
