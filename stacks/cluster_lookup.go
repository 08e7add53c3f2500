package stacks

import (
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsekscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiamopenidconnectprovider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawssubnets"
	"github.com/mpc-mesh/infra/config"
)

// clusterLookup reads the party's existing EKS cluster: the stacks build
// around a cluster they do not own.
type clusterLookup struct {
	cluster dataawsekscluster.DataAwsEksCluster
	// VpcID of the cluster.
	VpcID *string
	// ClusterSecurityGroupID is the EKS-managed security group of the control plane and nodes.
	ClusterSecurityGroupID *string
	// Endpoint and CA of the Kubernetes API.
	Endpoint, CA *string
	// OIDCIssuer is the issuer URL of the cluster's service-account tokens.
	OIDCIssuer *string
	// ServiceCIDR is the cluster's Kubernetes service IPv4 range, which a
	// node booting a custom AMI is told in its nodeadm NodeConfig.
	ServiceCIDR *string
}

// lookupCluster reads the cluster once per stack.
func (b *Base) lookupCluster() *clusterLookup {
	if b.cluster != nil {
		return b.cluster
	}
	cfg := &dataawsekscluster.DataAwsEksClusterConfig{
		Name: jsii.String(b.Party.Managed.ClusterName),
	}
	if v := b.Party.Managed.NodeGroup.AMIReleaseVersion; v != "" && b.Layer == config.LayerParty {
		// A pinned AMI release is built for one Kubernetes minor version;
		// nodes of another version than the control plane's fail to join,
		// so the party stack's plan (the one creating the nodes) stops here
		// instead.
		cfg.Lifecycle = &cdktf.TerraformResourceLifecycle{Postcondition: &[]*cdktf.Postcondition{{
			Condition:    jsii.String(fmt.Sprintf(`${startswith(%q, format("%%s.", self.version))}`, v)),
			ErrorMessage: jsii.String(fmt.Sprintf("nodegroup.ami_release_version %s is not built for this cluster's Kubernetes version; pin a release of the cluster's version.", v)),
		}}}
	}
	c := dataawsekscluster.NewDataAwsEksCluster(b.Stack, jsii.String("eks-cluster"), cfg)
	vpc := c.VpcConfig().Get(jsii.Number(0))
	b.cluster = &clusterLookup{
		cluster:                c,
		VpcID:                  vpc.VpcId(),
		ClusterSecurityGroupID: vpc.ClusterSecurityGroupId(),
		Endpoint:               c.Endpoint(),
		CA:                     c.CertificateAuthority().Get(jsii.Number(0)).Data(),
		OIDCIssuer:             c.Identity().Get(jsii.Number(0)).Oidc().Get(jsii.Number(0)).Issuer(),
		ServiceCIDR:            c.KubernetesNetworkConfig().Get(jsii.Number(0)).ServiceIpv4Cidr(),
	}
	return b.cluster
}

// oidcProviderARN finds the cluster's IAM OIDC provider, which must already exist.
func (b *Base) oidcProviderARN(c *clusterLookup) *string {
	p := dataawsiamopenidconnectprovider.NewDataAwsIamOpenidConnectProvider(b.Stack, jsii.String("eks-oidc-provider"), &dataawsiamopenidconnectprovider.DataAwsIamOpenidConnectProviderConfig{
		Url: c.OIDCIssuer,
	})
	return p.Arn()
}

// Subnet role tags that EKS and the AWS Load Balancer Controller use to tell
// private from public subnets; used when a party lists no subnet ids.
const (
	privateSubnetTag = "kubernetes.io/role/internal-elb"
	publicSubnetTag  = "kubernetes.io/role/elb"
)

// subnets returns the party's private or public subnet ids: the ids from
// config when given, else the cluster VPC's subnets carrying the role tag.
// The lookup is made once per stack.
func (b *Base) subnets(c *clusterLookup, public bool) *[]*string {
	if ids, ok := b.subnet[public]; ok {
		return ids
	}
	if b.subnet == nil {
		b.subnet = map[bool]*[]*string{}
	}
	b.subnet[public] = b.selectSubnets(c, public)
	return b.subnet[public]
}

func (b *Base) selectSubnets(c *clusterLookup, public bool) *[]*string {
	ids, tag, id := b.Party.Managed.Subnets.Private, privateSubnetTag, "private-subnets"
	if public {
		ids, tag, id = b.Party.Managed.Subnets.Public, publicSubnetTag, "public-subnets"
	}
	if len(ids) > 0 {
		return jsii.Strings(ids...)
	}
	ds := dataawssubnets.NewDataAwsSubnets(b.Stack, jsii.String(id), &dataawssubnets.DataAwsSubnetsConfig{
		Filter: &[]*dataawssubnets.DataAwsSubnetsFilter{
			{Name: jsii.String("vpc-id"), Values: jsii.Strings(*c.VpcID)},
			{Name: jsii.String("tag:" + tag), Values: jsii.Strings("1")},
		},
	})
	return ds.Ids()
}
