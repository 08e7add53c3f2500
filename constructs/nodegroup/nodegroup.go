// Package nodegroup creates the EKS managed node group that runs a party's MPC
// services inside Nitro Enclaves: the node IAM role, a launch template
// (enclaves on, IMDSv2, encrypted gp3 root volume, AL2023 user data that sizes
// the enclave allocator) and the node group itself. Both strategies use it:
// KubeIP puts the nodes in public subnets, PrivateLink in private ones.
package nodegroup

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsec2instancetype"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawspartition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksnodegroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/launchtemplate"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
	"github.com/mpc-mesh/infra/internal/nodedefaults"
)

// Defaults applied to zero-valued props; package internal/nodedefaults is
// their single source, shared with the environment schema.
const (
	// DefaultAMIType is the AMI type: AL2023, the only family whose nodeadm
	// bootstrap runs the enclave allocator script.
	DefaultAMIType = nodedefaults.AMIType
	// DefaultInstanceType is a Nitro-based instance type that supports
	// enclaves (8 vCPUs / 32 GiB).
	DefaultInstanceType = nodedefaults.InstanceType
	// DefaultCapacityType is the node group capacity type.
	DefaultCapacityType = nodedefaults.CapacityType
	// DefaultDiskSizeGiB is the root volume size.
	DefaultDiskSizeGiB = nodedefaults.DiskSizeGiB
	// DefaultMaxUnavailable is how many nodes an update replaces at a time.
	DefaultMaxUnavailable = nodedefaults.MaxUnavailable
	// RootDevice is the root block device of EKS-optimized AMIs.
	RootDevice = "/dev/xvda"
	// EnclaveShare is the fraction of an instance's vCPUs and memory given to
	// enclaves when no explicit size is set.
	EnclaveShare = 0.75
)

// WorkerPolicies are the AWS-managed policies every EKS worker node needs.
// Each is attached exactly once. AmazonEKSWorkerNodePolicy: the kubelet
// describes the instance and joins the cluster; AmazonEKS_CNI_Policy: the
// VPC CNI (aws-node, running with the node's credentials) attaches and
// assigns pod IPs on ENIs; AmazonEC2ContainerRegistryReadOnly: pulls the
// EKS add-on and service images from ECR. None is scoped further because
// AWS maintains them for exactly these calls.
var WorkerPolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"}

// SSMPolicy is the AWS-managed policy that lets Systems Manager manage the nodes.
const SSMPolicy = "AmazonSSMManagedInstanceCore"

// DefaultScaling is one enclave node: a party runs one kms-core pod.
var DefaultScaling = Scaling{Min: nodedefaults.MinSize, Max: nodedefaults.MaxSize, Desired: nodedefaults.DesiredSize}

// Scaling is the node group's size.
type Scaling struct {
	// Min, Max and Desired node counts. Desired is only read at creation:
	// later changes (by an autoscaler or by hand) are not reverted.
	Min, Max, Desired int
}

// Props configures an enclave node group.
type Props struct {
	// ClusterName is the existing EKS cluster. Required; may be a token.
	ClusterName *string
	// NodeGroupName is the explicit node group name, also the launch template
	// name and the Name tag of the instances. Required.
	NodeGroupName string
	// NodeRoleName is the node IAM role name. Default: "<NodeGroupName>-node".
	NodeRoleName string
	// SubnetIDs are the node subnets: public ones for KubeIP (the EIP is bound
	// to the node), private ones for PrivateLink. Required; may be tokens.
	SubnetIDs *[]*string
	// ClusterPrimarySecurityGroupID is the EKS-managed cluster security group.
	// EKS does not add it when the launch template names security groups, so it
	// is always listed first. Required; may be a token.
	ClusterPrimarySecurityGroupID *string
	// AdditionalSecurityGroupIDs are attached to the nodes after the cluster
	// security group, e.g. the KubeIP firewall group. Default: none.
	AdditionalSecurityGroupIDs *[]*string
	// InstanceTypes are the node instance types; the first one sizes the
	// enclave allocation. Default: [DefaultInstanceType].
	InstanceTypes []string
	// CapacityType is ON_DEMAND or SPOT. Default: ON_DEMAND.
	CapacityType string
	// AMIType is the EKS AMI type. Default: AL2023_x86_64_STANDARD. With
	// enclaves on, anything but an AL2023 type panics (the script needs it).
	// Ignored with AMIID: EKS takes a custom AMI's type as CUSTOM.
	AMIType string
	// AMIID is a custom AMI for the nodes, built on AL2023 (nodeadm and the
	// enclave allocator script need it). EKS adds no bootstrap of its own to
	// a custom AMI, so the user data then carries a nodeadm NodeConfig that
	// joins the node to the cluster, from Cluster. Default: none, the EKS
	// optimized AMI of AMIType. Panics together with ReleaseVersion (EKS
	// refuses a release version for a custom AMI).
	AMIID string
	// Cluster is what a node started from AMIID needs to join: the cluster's
	// API endpoint, certificate authority and service CIDR. Required with
	// AMIID; may be tokens from the cluster lookup.
	Cluster *ClusterJoin
	// ReleaseVersion pins the EKS optimized AMI release, such as
	// 1.33.8-20260304, so nodes change only when it is changed. Default:
	// none, the latest release for the cluster's version when the group is
	// created.
	ReleaseVersion string
	// MaxUnavailable is how many nodes an update replaces at a time.
	// Default: DefaultMaxUnavailable, unless MaxUnavailablePercentage is set.
	MaxUnavailable int
	// MaxUnavailablePercentage is the share of nodes an update replaces at a
	// time, 1 to 100. Default: none. Panics together with MaxUnavailable
	// (EKS accepts one of the two).
	MaxUnavailablePercentage int
	// DiskSizeGiB is the encrypted gp3 root volume size. Default: 50.
	DiskSizeGiB int
	// Scaling is the node count. Default: min 1, max 2, desired 1.
	Scaling *Scaling
	// Labels are the Kubernetes node labels, e.g. KubeIPLabels() or
	// PrivateLinkLabels(). Default: none.
	Labels map[string]string
	// Taints are the node taints, e.g. KubeIPTaints() or PrivateLinkTaints().
	// Default: none.
	Taints []Taint
	// DisableEnclaves turns Nitro Enclaves off (no enclave options, no
	// allocator script). Default false: enclaves on.
	DisableEnclaves bool
	// EnclaveCPUCount is the number of vCPUs reserved for enclaves.
	// Default (0): floor(0.75 × vCPUs of the first instance type).
	EnclaveCPUCount int
	// EnclaveMemoryMiB is the memory reserved for enclaves.
	// Default (0): floor(0.75 × memory MiB of the first instance type).
	EnclaveMemoryMiB int
	// EnableSSM attaches AmazonSSMManagedInstanceCore to the node role.
	// Default false.
	EnableSSM bool
	// Tags added to the role, launch template, node group and the instances
	// and volumes they start, on top of the provider's default tags.
	Tags map[string]string
}

// ClusterJoin is what nodeadm needs to join a node to the cluster when EKS
// does not provide it (a custom AMI).
type ClusterJoin struct {
	// Endpoint is the Kubernetes API server URL. Required; may be a token.
	Endpoint *string
	// CA is the base64 certificate authority data. Required; may be a token.
	CA *string
	// ServiceCIDR is the cluster's Kubernetes service IPv4 CIDR, from which
	// nodeadm derives the cluster DNS address. Required; may be a token.
	ServiceCIDR *string
}

// NodeGroup is a created enclave node group.
type NodeGroup struct {
	// NodeGroup is the EKS node group resource.
	NodeGroup eksnodegroup.EksNodeGroup
	// LaunchTemplate is the nodes' launch template.
	LaunchTemplate launchtemplate.LaunchTemplate
	// Role is the node IAM role.
	Role iamrole.IamRole
	// Name and ARN of the node group.
	Name, ARN *string
	// RoleARN and RoleName of the node IAM role.
	RoleARN, RoleName *string
	// LaunchTemplateID is the launch template id.
	LaunchTemplateID *string
}

// New creates the node role, the launch template and the node group.
func New(scope constructs.Construct, id string, props *Props) *NodeGroup {
	c := constructs.NewConstruct(scope, jsii.String(id))
	p := withDefaults(props)
	switch {
	case p.AMIID != "" && p.ReleaseVersion != "":
		panic(fmt.Sprintf("nodegroup %s: a custom AMI (%s) takes no release version (%s); EKS refuses both", p.NodeGroupName, p.AMIID, p.ReleaseVersion))
	case p.AMIID != "" && (p.Cluster == nil || p.Cluster.Endpoint == nil || p.Cluster.CA == nil || p.Cluster.ServiceCIDR == nil):
		panic(fmt.Sprintf("nodegroup %s: a custom AMI needs Cluster (endpoint, CA, service CIDR) for the nodeadm NodeConfig", p.NodeGroupName))
	case props.MaxUnavailable != 0 && p.MaxUnavailablePercentage != 0:
		panic(fmt.Sprintf("nodegroup %s: set MaxUnavailable or MaxUnavailablePercentage, not both", p.NodeGroupName))
	}
	if p.AMIID == "" && !p.DisableEnclaves && !strings.HasPrefix(p.AMIType, "AL2023_") {
		panic(fmt.Sprintf("nodegroup %s: AMI type %q cannot run the Nitro Enclaves allocator script, which needs an AL2023 AMI type (such as %s); choose one or disable enclaves", p.NodeGroupName, p.AMIType, DefaultAMIType))
	}
	tags := jsiivalue.OptionalStringMap(p.Tags)
	role, attachments := nodeRole(c, &p, tags)
	lt := newLaunchTemplate(c, &p, tags)

	taints := make([]*eksnodegroup.EksNodeGroupTaint, 0, len(p.Taints))
	for _, t := range p.Taints {
		taints = append(taints, &eksnodegroup.EksNodeGroupTaint{Key: jsii.String(t.Key), Value: jsii.String(t.Value), Effect: jsii.String(t.Effect)})
	}
	ng := eksnodegroup.NewEksNodeGroup(c, jsii.String("node-group"), &eksnodegroup.EksNodeGroupConfig{
		ClusterName:   p.ClusterName,
		NodeGroupName: jsii.String(p.NodeGroupName),
		NodeRoleArn:   role.Arn(),
		SubnetIds:     p.SubnetIDs,
		ScalingConfig: &eksnodegroup.EksNodeGroupScalingConfig{
			MinSize:     jsii.Number(p.Scaling.Min),
			MaxSize:     jsii.Number(p.Scaling.Max),
			DesiredSize: jsii.Number(p.Scaling.Desired),
		},
		UpdateConfig:  updateConfig(&p),
		InstanceTypes: jsii.Strings(p.InstanceTypes...),
		CapacityType:  jsii.String(p.CapacityType),
		// A custom AMI comes from the launch template; EKS then refuses an
		// AMI type and a release version.
		AmiType:        optionalString(p.AMIID == "", p.AMIType),
		ReleaseVersion: optionalString(p.ReleaseVersion != "", p.ReleaseVersion),
		Labels:         jsiivalue.OptionalStringMap(p.Labels),
		Taint:          taints,
		LaunchTemplate: &eksnodegroup.EksNodeGroupLaunchTemplate{
			Id:      lt.Id(),
			Version: cdktf.Token_AsString(lt.LatestVersion(), nil),
		},
		Tags: tags,
		// The policies must be attached before nodes join and stay until they are gone.
		DependsOn: &attachments,
		Lifecycle: &cdktf.TerraformResourceLifecycle{
			IgnoreChanges: &[]*string{jsii.String("scaling_config[0].desired_size")},
		},
	})
	return &NodeGroup{
		NodeGroup: ng, LaunchTemplate: lt, Role: role,
		Name: ng.NodeGroupName(), ARN: ng.Arn(),
		RoleARN: role.Arn(), RoleName: role.Name(),
		LaunchTemplateID: lt.Id(),
	}
}

// updateConfig is how many nodes an update may take down at once: a count,
// or a percentage when one is given.
func updateConfig(p *Props) *eksnodegroup.EksNodeGroupUpdateConfig {
	if p.MaxUnavailablePercentage != 0 {
		return &eksnodegroup.EksNodeGroupUpdateConfig{MaxUnavailablePercentage: jsii.Number(p.MaxUnavailablePercentage)}
	}
	return &eksnodegroup.EksNodeGroupUpdateConfig{MaxUnavailable: jsii.Number(p.MaxUnavailable)}
}

// optionalString is v when set holds, else nil (the attribute is left out).
func optionalString(set bool, v string) *string {
	if !set {
		return nil
	}
	return jsii.String(v)
}

func withDefaults(props *Props) Props {
	p := *props
	if p.NodeRoleName == "" {
		p.NodeRoleName = p.NodeGroupName + "-node"
	}
	if len(p.InstanceTypes) == 0 {
		p.InstanceTypes = []string{DefaultInstanceType}
	}
	if p.CapacityType == "" {
		p.CapacityType = DefaultCapacityType
	}
	if p.AMIType == "" {
		p.AMIType = DefaultAMIType
	}
	if p.DiskSizeGiB == 0 {
		p.DiskSizeGiB = DefaultDiskSizeGiB
	}
	if p.Scaling == nil {
		p.Scaling = &Scaling{Min: DefaultScaling.Min, Max: DefaultScaling.Max, Desired: DefaultScaling.Desired}
	}
	if p.MaxUnavailable == 0 && p.MaxUnavailablePercentage == 0 {
		p.MaxUnavailable = DefaultMaxUnavailable
	}
	return p
}

// nodeRole creates the role EC2 instances assume and attaches each managed
// policy once, keyed by policy name.
func nodeRole(c constructs.Construct, p *Props, tags *map[string]*string) (iamrole.IamRole, []cdktf.ITerraformDependable) {
	role := iamrole.NewIamRole(c, jsii.String("node-role"), &iamrole.IamRoleConfig{
		Name:        jsii.String(p.NodeRoleName),
		Description: jsii.String("EKS managed node group IAM role for " + p.NodeGroupName),
		// Only EC2 (the node instances) assumes the node role.
		AssumeRolePolicy: policy.New(policy.Statement{
			Sid:       "EKSNodeAssumeRole",
			Effect:    policy.Allow,
			Principal: policy.ServicePrincipal("ec2.amazonaws.com"),
			Action:    []string{"sts:AssumeRole"},
		}).JSON(),
		ForceDetachPolicies: jsii.Bool(true),
		Tags:                tags,
	})
	partition := dataawspartition.NewDataAwsPartition(c, jsii.String("partition"), &dataawspartition.DataAwsPartitionConfig{})
	names := append([]string{}, WorkerPolicies...)
	if p.EnableSSM {
		names = append(names, SSMPolicy)
	}
	attachments := make([]cdktf.ITerraformDependable, 0, len(names))
	for _, name := range names {
		attachments = append(attachments, iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("policy-"+name), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      role.Name(),
			PolicyArn: jsii.String(fmt.Sprintf("arn:%s:iam::aws:policy/%s", *partition.Partition(), name)),
		}))
	}
	return role, attachments
}

func newLaunchTemplate(c constructs.Construct, p *Props, tags *map[string]*string) launchtemplate.LaunchTemplate {
	instanceTags := map[string]string{"Name": p.NodeGroupName}
	for k, v := range p.Tags {
		instanceTags[k] = v
	}
	tagSpecs := []*launchtemplate.LaunchTemplateTagSpecifications{}
	for _, kind := range []string{"instance", "volume", "network-interface"} {
		tagSpecs = append(tagSpecs, &launchtemplate.LaunchTemplateTagSpecifications{ResourceType: jsii.String(kind), Tags: jsiivalue.OptionalStringMap(instanceTags)})
	}
	sgs := []*string{p.ClusterPrimarySecurityGroupID}
	if p.AdditionalSecurityGroupIDs != nil {
		sgs = append(sgs, *p.AdditionalSecurityGroupIDs...)
	}
	cfg := &launchtemplate.LaunchTemplateConfig{
		Name:                 jsii.String(p.NodeGroupName),
		Description:          jsii.String("Nitro Enclaves nodes of " + p.NodeGroupName),
		UpdateDefaultVersion: jsii.Bool(true),
		VpcSecurityGroupIds:  &sgs,
		BlockDeviceMappings: []*launchtemplate.LaunchTemplateBlockDeviceMappings{{
			DeviceName: jsii.String(RootDevice),
			Ebs: &launchtemplate.LaunchTemplateBlockDeviceMappingsEbs{
				VolumeType:          jsii.String("gp3"),
				VolumeSize:          jsii.Number(p.DiskSizeGiB),
				Encrypted:           jsii.String("true"),
				DeleteOnTermination: jsii.String("true"),
			},
		}},
		MetadataOptions: &launchtemplate.LaunchTemplateMetadataOptions{
			HttpEndpoint: jsii.String("enabled"),
			HttpTokens:   jsii.String("required"),
			// Two hops: pods (one network hop beyond the node) reach IMDSv2.
			HttpPutResponseHopLimit: jsii.Number(2),
			InstanceMetadataTags:    jsii.String("disabled"),
		},
		TagSpecifications: tagSpecs,
		Tags:              tags,
	}
	if p.AMIID != "" {
		cfg.ImageId = jsii.String(p.AMIID)
	}
	if !p.DisableEnclaves {
		cfg.EnclaveOptions = &launchtemplate.LaunchTemplateEnclaveOptions{Enabled: jsii.Bool(true)}
	}
	cfg.UserData = userData(c, p)
	return launchtemplate.NewLaunchTemplate(c, jsii.String("launch-template"), cfg)
}

// userData returns the base64 user data: the nodeadm NodeConfig when the
// nodes boot a custom AMI, then the script that sizes the enclave allocator
// when enclaves are on; nil when there is neither. A value Terraform only
// knows at apply time (cluster endpoint, CA, service CIDR, an unset enclave
// size computed from the first instance type) is a token; the data source
// for the instance type exists exactly when it is read.
func userData(c constructs.Construct, p *Props) *string {
	values := map[string]*string{}
	var parts []Part
	if p.AMIID != "" {
		values["endpoint"], values["ca"], values["cidr"] = p.Cluster.Endpoint, p.Cluster.CA, p.Cluster.ServiceCIDR
		parts = append(parts, NodeConfigPart(*p.ClusterName, marker+"endpoint"+marker, marker+"ca"+marker, marker+"cidr"+marker))
	}
	if !p.DisableEnclaves {
		values["cpu"] = jsii.String(strconv.Itoa(p.EnclaveCPUCount))
		values["mem"] = jsii.String(strconv.Itoa(p.EnclaveMemoryMiB))
		if p.EnclaveCPUCount == 0 || p.EnclaveMemoryMiB == 0 {
			it := dataawsec2instancetype.NewDataAwsEc2InstanceType(c, jsii.String("instance-type"), &dataawsec2instancetype.DataAwsEc2InstanceTypeConfig{
				InstanceType: jsii.String(p.InstanceTypes[0]),
			})
			if p.EnclaveCPUCount == 0 {
				values["cpu"] = share(it.DefaultVcpus())
			}
			if p.EnclaveMemoryMiB == 0 {
				values["mem"] = share(it.MemorySize())
			}
		}
		parts = append(parts, ScriptPart(EnclaveScript(marker+"cpu"+marker, marker+"mem"+marker)))
	}
	if len(parts) == 0 {
		return nil
	}
	doc := MIMEUserData(parts...)
	// Values known now are written in place, so the user data stays a
	// literal whenever it can; a token is only known at apply time.
	tokens := false
	for k, v := range values {
		if *cdktf.Token_IsUnresolved(v) {
			tokens = true
			continue
		}
		doc = strings.ReplaceAll(doc, marker+k+marker, *v)
	}
	if !tokens {
		return jsii.String(base64.StdEncoding.EncodeToString([]byte(doc)))
	}
	// cdktf refuses literal double quotes inside function arguments, so the
	// document is split around the computed values: literal pieces go in
	// as raw strings and Terraform joins and encodes them.
	var pieces []*string
	for i, s := range strings.Split(doc, marker) {
		if i%2 == 1 {
			pieces = append(pieces, values[s])
		} else {
			pieces = append(pieces, cdktf.Fn_RawString(jsii.String(s)))
		}
	}
	return cdktf.Fn_Base64encode(cdktf.Fn_Join(jsii.String(""), &pieces))
}

// marker brackets the placeholders of computed values in the user-data document.
const marker = "\x00"

// share renders floor(EnclaveShare × n) as a Terraform expression token.
func share(n *float64) *string {
	return cdktf.Token_AsString(cdktf.Fn_Floor(cdktf.Op_Mul(jsii.Number(EnclaveShare), n)), nil)
}
