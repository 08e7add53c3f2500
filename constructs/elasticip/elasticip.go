// Package elasticip allocates the Elastic IP address(es) a party publishes to
// its peers in the KubeIP strategy. Each address carries discovery tags that
// scope it to one party in one environment, so that only that party's KubeIP
// agent (whose FILTER and IAM policy use the same tags) can claim it: a
// replaced node can never take another party's or another environment's
// address.
//
// The construct exposes allocation ids and public IPs only. It has no
// private-DNS outputs: an unassociated Elastic IP has no private IP, so such
// names would be meaningless.
package elasticip

import (
	"fmt"
	"strconv"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
)

// Discovery tag keys and the value of the pool tag. Tag keys are
// case-sensitive: they are lowercase everywhere (EIP tags, KubeIP FILTER, IAM
// conditions).
const (
	// TagPool marks an address as part of the KubeIP pool.
	TagPool = "kubeip"
	// PoolReserved is the value of TagPool on a reserved address.
	PoolReserved = "reserved"
	// TagEnvironment holds the environment name, such as "dev".
	TagEnvironment = "mpc.io/environment"
	// TagPartyID holds the numeric party id, in decimal.
	TagPartyID = "mpc.io/party-id"
)

// DiscoveryTags returns the tags that let exactly one party's KubeIP agent in
// one environment find and claim an address:
// {"kubeip": "reserved", "mpc.io/environment": environment, "mpc.io/party-id": "<partyID>"}.
func DiscoveryTags(environment string, partyID int) map[string]string {
	return map[string]string{
		TagPool:        PoolReserved,
		TagEnvironment: environment,
		TagPartyID:     strconv.Itoa(partyID),
	}
}

// Props configures the party's Elastic IPs.
type Props struct {
	// Name is the prefix of each address's Name tag, which is "<Name>-<index>"
	// (index from 0). Default: "mpc-eip".
	Name string
	// Count is the number of addresses to allocate, usually one per enclave
	// node. Mind the regional EIP quota (5 by default). Default: 1.
	Count int
	// Environment is the environment name written to the mpc.io/environment
	// discovery tag. Required.
	Environment string
	// PartyID is the party id written to the mpc.io/party-id discovery tag. Required.
	PartyID int
	// Tags are extra tags on every address, on top of the provider's default
	// tags. They can neither replace the Name tag nor any discovery tag.
	// Default: none.
	Tags map[string]string
}

// ElasticIPs are the allocated addresses.
type ElasticIPs struct {
	// EIPs are the address resources, in index order.
	EIPs []eip.Eip
	// AllocationIDs are the allocation ids (eipalloc-...), in index order.
	AllocationIDs []*string
	// PublicIPs are the public IPv4 addresses, in index order. Peers must
	// admit and reach every one: KubeIP may bind any of them to any enclave node.
	PublicIPs []*string
}

// New allocates Count VPC Elastic IPs, each tagged with its Name and the
// discovery tags. Logical ids are eip-0, eip-1, ...
func New(scope constructs.Construct, id string, props *Props) *ElasticIPs {
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := props.Name
	if name == "" {
		name = "mpc-eip"
	}
	count := props.Count
	if count <= 0 {
		count = 1
	}
	res := &ElasticIPs{}
	for i := 0; i < count; i++ {
		e := eip.NewEip(c, jsii.String(fmt.Sprintf("eip-%d", i)), &eip.EipConfig{
			Domain: jsii.String("vpc"),
			Tags:   addressTags(props, fmt.Sprintf("%s-%d", name, i)),
		})
		res.EIPs = append(res.EIPs, e)
		res.AllocationIDs = append(res.AllocationIDs, e.AllocationId())
		res.PublicIPs = append(res.PublicIPs, e.PublicIp())
	}
	return res
}

// addressTags layers the user's tags, then the Name tag, then the discovery
// tags, so that the last two always win.
func addressTags(props *Props, name string) *map[string]*string {
	tags := map[string]*string{}
	for k, v := range props.Tags {
		tags[k] = jsii.String(v)
	}
	tags["Name"] = jsii.String(name)
	for k, v := range DiscoveryTags(props.Environment, props.PartyID) {
		tags[k] = jsii.String(v)
	}
	return &tags
}
