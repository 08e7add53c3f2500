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
)

// Defaults applied to zero-valued props.
const (
	// DefaultAMIType is the AMI type: AL2023, the only family whose nodeadm
	// bootstrap runs the enclave allocator script.
	DefaultAMIType = "AL2023_x86_64_STANDARD"
	// DefaultInstanceType is a Nitro-based instance type that supports
	// enclaves (a t3.large, for one, does not): 8 vCPUs / 32 GiB, so the
	// 75% rule gives 6 CPUs / 24576 MiB.
	DefaultInstanceType = "m5.2xlarge"
	// DefaultCapacityType is the node group capacity type.
	DefaultCapacityType = "ON_DEMAND"
	// DefaultDiskSizeGiB is the root volume size.
	DefaultDiskSizeGiB = 50
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
var DefaultScaling = Scaling{Min: 1, Max: 1, Desired: 1}

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
	AMIType string
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
	if !p.DisableEnclaves && !strings.HasPrefix(p.AMIType, "AL2023_") {
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
		UpdateConfig:  &eksnodegroup.EksNodeGroupUpdateConfig{MaxUnavailable: jsii.Number(1)},
		InstanceTypes: jsii.Strings(p.InstanceTypes...),
		CapacityType:  jsii.String(p.CapacityType),
		AmiType:       jsii.String(p.AMIType),
		Labels:        jsiivalue.OptionalStringMap(p.Labels),
		Taint:         taints,
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
	if !p.DisableEnclaves {
		cfg.EnclaveOptions = &launchtemplate.LaunchTemplateEnclaveOptions{Enabled: jsii.Bool(true)}
		cfg.UserData = enclaveUserData(c, p)
	}
	return launchtemplate.NewLaunchTemplate(c, jsii.String("launch-template"), cfg)
}

// enclaveUserData returns the base64 user data that sizes the allocator. An
// unset size is computed by Terraform from the first instance type; the data
// source exists exactly when it is read.
func enclaveUserData(c constructs.Construct, p *Props) *string {
	if p.EnclaveCPUCount != 0 && p.EnclaveMemoryMiB != 0 {
		doc := MIMEUserData(EnclaveScript(strconv.Itoa(p.EnclaveCPUCount), strconv.Itoa(p.EnclaveMemoryMiB)))
		return jsii.String(base64.StdEncoding.EncodeToString([]byte(doc)))
	}
	it := dataawsec2instancetype.NewDataAwsEc2InstanceType(c, jsii.String("instance-type"), &dataawsec2instancetype.DataAwsEc2InstanceTypeConfig{
		InstanceType: jsii.String(p.InstanceTypes[0]),
	})
	values := map[string]*string{"cpu": share(it.DefaultVcpus()), "mem": share(it.MemorySize())}
	if p.EnclaveCPUCount != 0 {
		values["cpu"] = jsii.String(strconv.Itoa(p.EnclaveCPUCount))
	}
	if p.EnclaveMemoryMiB != 0 {
		values["mem"] = jsii.String(strconv.Itoa(p.EnclaveMemoryMiB))
	}
	// cdktf refuses literal double quotes inside function arguments, so the
	// document is split around the two computed values: literal pieces go in
	// as raw strings and Terraform joins and encodes them.
	doc := MIMEUserData(EnclaveScript(marker+"cpu"+marker, marker+"mem"+marker))
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
