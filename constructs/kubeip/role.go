package kubeip

import (
	"fmt"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawscalleridentity"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawspartition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsregion"

	"github.com/mpc-mesh/infra/constructs/elasticip"
	policy "github.com/mpc-mesh/infra/constructs/iampolicy"
	"github.com/mpc-mesh/infra/constructs/irsa"
)

// Actions the agent needs on AWS (KubeIP v2 README, "AWS" section, and
// internal/address/aws.go: it lists addresses with DescribeAddresses, reads
// the instance's primary network interface with DescribeInstances, then
// associates by allocation id + network interface id and disassociates by
// association id).
var (
	// DescribeActions are read-only and granted on "*".
	DescribeActions = []string{"ec2:DescribeAddresses", "ec2:DescribeInstances"}
	// AssociationActions are granted only on this party's tagged addresses
	// and on the instances/network interfaces of the account and region.
	AssociationActions = []string{"ec2:AssociateAddress", "ec2:DisassociateAddress"}
)

// RoleProps configures the agent's IRSA role.
type RoleProps struct {
	// RoleName is the IAM role name, used as is (no suffix is appended), and
	// the name of its policy. Required.
	RoleName string
	// OIDCProviderARN and OIDCIssuer identify the cluster's IAM OIDC
	// provider (see irsa.Props). Required; usually tokens.
	OIDCProviderARN, OIDCIssuer *string
	// Namespace and ServiceAccount name the agent's service account; they must
	// match Props. Default: DefaultNamespace and DefaultServiceAccount.
	Namespace, ServiceAccount string
	// Environment and PartyID are the discovery tag values of the only
	// addresses the role may associate (see elasticip.DiscoveryTags). Required.
	Environment string
	PartyID     int
	// Partition, Region and AccountID scope the ARNs in the policy. Default:
	// read from the provider through aws_partition, aws_region and
	// aws_caller_identity data sources.
	Partition, Region, AccountID *string
	// Tags added to the role and its policy. Default: none.
	Tags map[string]string
}

// NewRole creates the agent's IRSA role (construct "irsa") with the policy of
// Policy, plus whichever of the partition/region/account data sources
// ("partition", "region", "caller-identity") the props leave unset.
func NewRole(scope constructs.Construct, id string, props *RoleProps) *irsa.Role {
	c := constructs.NewConstruct(scope, jsii.String(id))
	partition, region, account := props.Partition, props.Region, props.AccountID
	if partition == nil {
		partition = dataawspartition.NewDataAwsPartition(c, jsii.String("partition"), nil).Partition()
	}
	if region == nil {
		region = dataawsregion.NewDataAwsRegion(c, jsii.String("region"), nil).Name()
	}
	if account == nil {
		account = dataawscalleridentity.NewDataAwsCallerIdentity(c, jsii.String("caller-identity"), nil).AccountId()
	}
	return irsa.New(c, "irsa", &irsa.Props{
		RoleName:        props.RoleName,
		Description:     "KubeIP agent: associates this party's reserved Elastic IPs with enclave nodes",
		OIDCProviderARN: props.OIDCProviderARN,
		OIDCIssuer:      props.OIDCIssuer,
		Namespace:       orDefault(props.Namespace, DefaultNamespace),
		ServiceAccount:  orDefault(props.ServiceAccount, DefaultServiceAccount),
		Policy:          Policy(*partition, *region, *account, props.Environment, props.PartyID),
		Tags:            props.Tags,
	})
}

// Policy returns the agent's least-privilege permission policy.
//
// Scoping follows the Service Authorization Reference for Amazon EC2
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html):
//   - ec2:DescribeAddresses and ec2:DescribeInstances list no resource type,
//     so they can only be granted on "*" (they are read-only).
//   - ec2:AssociateAddress authorizes the elastic-ip resource (required; it
//     supports aws:ResourceTag/${TagKey}) and the optional instance and
//     network-interface resources; ec2:DisassociateAddress authorizes the
//     elastic-ip (and network-interface) resource.
//
// The tag conditions sit in a statement of their own that names only
// elastic-ip ARNs: a condition on aws:ResourceTag is evaluated against every
// resource a statement matches, and nodes' instances and network interfaces
// do not carry the address discovery tags.
func Policy(partition, region, account, environment string, partyID int) policy.Document {
	arn := func(resource string) string {
		return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", partition, region, account, resource)
	}
	return policy.New(
		policy.Statement{
			Sid:    "DescribeAddressesAndInstances",
			Effect: policy.Allow,
			Action: DescribeActions,
			// Exception to ARN scoping: EC2 Describe actions support no resource-level permissions.
			Resource: []string{"*"},
		},
		policy.Statement{
			Sid:      "AssociateOwnPartyAddresses",
			Effect:   policy.Allow,
			Action:   AssociationActions,
			Resource: []string{arn("elastic-ip/*")},
			Condition: map[string]map[string]any{"StringEquals": {
				"aws:ResourceTag/" + elasticip.TagPartyID:     strconv.Itoa(partyID),
				"aws:ResourceTag/" + elasticip.TagEnvironment: environment,
			}},
		},
		policy.Statement{
			Sid:      "AssociateWithNodesOfThisAccountAndRegion",
			Effect:   policy.Allow,
			Action:   AssociationActions,
			Resource: []string{arn("instance/*"), arn("network-interface/*")},
		},
	)
}
