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
	"github.com/mpc-mesh/infra/constructs/irsa"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
)

// Actions the agent needs on AWS (KubeIP v2 README, "AWS" section, and
// internal/address/aws.go: it lists addresses with DescribeAddresses, reads
// the instance's primary network interface with DescribeInstances, then
// associates by allocation id + network interface id and disassociates by
// association id).
var (
	// DescribeActions are read-only and granted on "*".
	DescribeActions = []string{"ec2:DescribeAddresses", "ec2:DescribeInstances"}
	// AssociationActions are granted only on addresses, instances and
	// network interfaces carrying this party's tags (NodeTags).
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

// NodeTags are the tags the enclave nodes' instances and network interfaces
// must carry (the node group's launch template sets them) for the agent to
// associate an address with them: the same party and environment tags as
// the addresses (elasticip.DiscoveryTags), without the pool tag.
func NodeTags(environment string, partyID int) map[string]string {
	return map[string]string{
		elasticip.TagEnvironment: environment,
		elasticip.TagPartyID:     strconv.Itoa(partyID),
	}
}

// Policy returns the agent's least-privilege permission policy.
//
// Scoping follows the Service Authorization Reference for Amazon EC2
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html):
//   - ec2:DescribeAddresses and ec2:DescribeInstances list no resource type,
//     so they can only be granted on "*" (they are read-only).
//   - ec2:AssociateAddress authorizes the elastic-ip resource and the
//     instance and network-interface it attaches to; ec2:DisassociateAddress
//     authorizes the elastic-ip and network-interface. All three support
//     aws:ResourceTag/${TagKey}.
//
// Association is therefore allowed only between resources that all carry
// this party's and environment's tags: the party's reserved addresses
// (elasticip.DiscoveryTags) and its enclave nodes (NodeTags, set by the
// node group's launch template). Instance ids are assigned at launch, so the
// ARNs name every instance and interface of the account and region, and the
// tag condition does the narrowing. The agent cannot create or change tags.
func Policy(partition, region, account, environment string, partyID int) policy.Document {
	arn := func(resource string) string {
		return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", partition, region, account, resource)
	}
	cond := map[string]any{}
	for k, v := range NodeTags(environment, partyID) {
		cond["aws:ResourceTag/"+k] = v
	}
	return policy.New(
		policy.Statement{
			Sid:    "DescribeAddressesAndInstances",
			Effect: policy.Allow,
			// Listing addresses and reading the node's primary interface.
			Action: DescribeActions,
			// Exception to ARN scoping: EC2 Describe actions support no resource-level permissions.
			Resource: []string{"*"},
		},
		policy.Statement{
			Sid:    "AssociateOwnPartyAddressesWithOwnPartyNodes",
			Effect: policy.Allow,
			// Binding the party's Elastic IP to the node the agent runs on, and releasing it.
			Action:    AssociationActions,
			Resource:  []string{arn("elastic-ip/*"), arn("instance/*"), arn("network-interface/*")},
			Condition: map[string]map[string]any{"StringEquals": cond},
		},
	)
}
