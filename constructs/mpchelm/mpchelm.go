// Package mpchelm installs a party's MPC services (the kms-service Helm
// chart) as a helm_release: one kms-core in threshold mode, wired to its
// ServiceAccount and ConfigMap, scheduled on the enclave nodes and told where
// every party of the mesh listens.
package mpchelm

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"gopkg.in/yaml.v3"

	"github.com/mpc-mesh/infra/constructs/mesh"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
)

// Defaults applied to zero-valued props.
const (
	// DefaultChart is the chart name inside a repository.
	DefaultChart = "kms-service"
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
	// Chart is the chart name in Repository. Default: "kms-service".
	Chart string
	// Version is the pinned chart version. Required with a repository.
	Version string
	// LocalChartPath is a chart directory on the machine running Terraform;
	// when set it replaces Repository/Chart/Version.
	LocalChartPath string
	// DependencyUpdate runs `helm dependency update` before installing, for a
	// local chart whose dependencies are not vendored. Default false.
	DependencyUpdate bool
	// TimeoutSeconds bounds install and upgrade. Default: 900.
	TimeoutSeconds int
	// DependsOn lists resources the release must wait for, such as the Nitro
	// device plugin. Default: none.
	DependsOn []cdktf.ITerraformDependable

	// PartyID is this party's id (kmsPeers.id). Required.
	PartyID int
	// PartyCount is the number of parties of the mesh (kmsPeers.count). Required.
	PartyCount int
	// ThresholdValue is the threshold t (thresholdMode.thresholdValue).
	// Default (0): (PartyCount-1)/3, the largest t with n > 3t.
	ThresholdValue int
	// Peers lists every party of the mesh, this one included (thresholdMode.peersList).
	Peers []PeerHost
	// ServiceAccountName is the party's IRSA ServiceAccount. Required; may be a token.
	ServiceAccountName *string
	// ConfigMapName is the party ConfigMap loaded into kms-core's environment.
	// Required; may be a token.
	ConfigMapName *string
	// Region is the party's AWS region (kmsCore.aws.region). Required.
	Region string
	// HostPort binds the MPC ports on the node (true for KubeIP, whose peers
	// dial the node's Elastic IP; false for PrivateLink). Default false.
	HostPort bool
	// Ports are the MPC ports. Default: mesh.DefaultPorts.
	Ports []mesh.Port
	// NodeSelector places kms-core on the enclave nodes. Default: none.
	NodeSelector map[string]string
	// Tolerations let kms-core onto the tainted enclave nodes. Default: none.
	Tolerations []nodegroup.Toleration
	// NitroEnclave runs kms-core inside a Nitro Enclave. Default false.
	NitroEnclave bool
	// EnclaveCPUCount and EnclaveMemoryMiB size the enclave (nitroEnclave.cpu
	// and .memory); they must fit the node's allocator. Default: the chart's.
	EnclaveCPUCount, EnclaveMemoryMiB int
	// ExtraValues is an operator YAML document passed after the generated
	// values, so its keys win. Default: none.
	ExtraValues string
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

// New creates the Helm release.
func New(scope constructs.Construct, id string, props *Props) *MPCRelease {
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := props.ReleaseName
	if name == "" {
		name = fmt.Sprintf("kms-threshold-%d", props.PartyID)
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
		Atomic:           jsii.Bool(true),
		Wait:             jsii.Bool(true),
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
	rel := release.NewRelease(c, jsii.String("release"), cfg)
	return &MPCRelease{Release: rel, Name: rel.Name(), Values: values}
}

// token is a string that may hold a cdktf token. It is always written
// double-quoted, so whatever Terraform substitutes (an IP, a name) stays a
// YAML string.
type token string

// MarshalYAML writes the string as a double-quoted scalar.
func (t token) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Tag: "!!str", Value: string(t)}, nil
}

type peerValue struct {
	ID   int   `yaml:"id"`
	Host token `yaml:"host"`
	Port int   `yaml:"port"`
}

type enclaveValues struct {
	Enabled bool `yaml:"enabled"`
	CPU     int  `yaml:"cpu,omitempty"`
	Memory  int  `yaml:"memory,omitempty"`
}

type coreValues struct {
	Replicas           int   `yaml:"replicas"`
	ServiceAccountName token `yaml:"serviceAccountName"`
	EnvFrom            struct {
		ConfigMap struct {
			Name token `yaml:"name"`
		} `yaml:"configmap"`
	} `yaml:"envFrom"`
	AWS struct {
		Region string `yaml:"region"`
	} `yaml:"aws"`
	HostPort      bool           `yaml:"hostPort"`
	Ports         map[string]int `yaml:"ports"`
	ThresholdMode struct {
		Enabled        bool        `yaml:"enabled"`
		ThresholdValue int         `yaml:"thresholdValue"`
		PeersList      []peerValue `yaml:"peersList"`
	} `yaml:"thresholdMode"`
	NodeSelector map[string]string      `yaml:"nodeSelector,omitempty"`
	Tolerations  []nodegroup.Toleration `yaml:"tolerations,omitempty"`
	NitroEnclave enclaveValues          `yaml:"nitroEnclave"`
}

type chartValues struct {
	KmsPeers struct {
		ID    int `yaml:"id"`
		Count int `yaml:"count"`
	} `yaml:"kmsPeers"`
	KmsCore coreValues `yaml:"kmsCore"`
}

// chartPortNames maps mesh port names to the chart's kmsCore.ports keys.
var chartPortNames = map[string]string{"grpc": "client", "peer": "peer", "metrics": "metrics"}

// Values renders the generated values document of the kms-service chart.
// Token strings (peer hosts, ServiceAccount and ConfigMap names) are embedded
// as they are and resolve when the stack is synthesized.
func Values(props *Props) string {
	ports := props.Ports
	if len(ports) == 0 {
		ports = mesh.DefaultPorts
	}
	var v chartValues
	v.KmsPeers.ID, v.KmsPeers.Count = props.PartyID, props.PartyCount
	core := &v.KmsCore
	// One kms-core pod per release: this party's, whatever kmsPeers.count says.
	core.Replicas = 1
	core.ServiceAccountName = token(*props.ServiceAccountName)
	core.EnvFrom.ConfigMap.Name = token(*props.ConfigMapName)
	core.AWS.Region = props.Region
	core.HostPort = props.HostPort
	core.Ports = map[string]int{}
	for _, p := range ports {
		key, ok := chartPortNames[p.Name]
		if !ok {
			key = p.Name
		}
		core.Ports[key] = p.Number
	}
	core.ThresholdMode.Enabled = true
	core.ThresholdMode.ThresholdValue = props.ThresholdValue
	if core.ThresholdMode.ThresholdValue == 0 {
		core.ThresholdMode.ThresholdValue = (props.PartyCount - 1) / 3
	}
	for _, p := range props.Peers {
		port := p.Port
		if port == 0 {
			port = core.Ports["peer"]
		}
		core.ThresholdMode.PeersList = append(core.ThresholdMode.PeersList, peerValue{ID: p.ID, Host: token(*p.Host), Port: port})
	}
	core.NodeSelector = props.NodeSelector
	core.Tolerations = props.Tolerations
	core.NitroEnclave = enclaveValues{Enabled: props.NitroEnclave}
	if props.NitroEnclave {
		core.NitroEnclave.CPU, core.NitroEnclave.Memory = props.EnclaveCPUCount, props.EnclaveMemoryMiB
	}
	out, err := yaml.Marshal(&v)
	if err != nil {
		// Every field is a plain Go value; encoding cannot fail.
		panic(err)
	}
	return string(out)
}
