package vpcendpointprovider

import (
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcendpointconnectionaccepter"

	"github.com/mpc-mesh/infra/internal/mesh"
)

// AccepterProps configures the acceptance of peers' endpoint connections.
type AccepterProps struct {
	// ServiceID is the endpoint service id (Provider.ServiceID). Required;
	// usually a token.
	ServiceID *string
	// EndpointIDs are the peers' interface endpoint ids keyed by peer party id.
	// One accepter is created per entry, with construct id party-<id>.
	// Default: none (nothing is created).
	EndpointIDs map[int]*string
}

// Accepter holds the accepted endpoint connections.
type Accepter struct {
	// Connections are the accepters keyed by peer party id.
	Connections map[int]vpcendpointconnectionaccepter.VpcEndpointConnectionAccepter
}

// NewAccepter accepts each peer's endpoint connection to this party's endpoint
// service. Only needed when Props.AcceptanceRequired is set. It belongs in the
// providing party's party stack, which may depend on the peers' consumer
// stacks without closing a cycle (provider stacks depend on no consumer).
func NewAccepter(scope constructs.Construct, id string, props *AccepterProps) *Accepter {
	c := constructs.NewConstruct(scope, jsii.String(id))
	res := &Accepter{Connections: map[int]vpcendpointconnectionaccepter.VpcEndpointConnectionAccepter{}}
	for _, peerID := range sortedKeys(props.EndpointIDs) {
		res.Connections[peerID] = vpcendpointconnectionaccepter.NewVpcEndpointConnectionAccepter(c, jsii.String(mesh.Peer{ID: peerID}.Key()), &vpcendpointconnectionaccepter.VpcEndpointConnectionAccepterConfig{
			VpcEndpointServiceId: props.ServiceID,
			VpcEndpointId:        props.EndpointIDs[peerID],
		})
	}
	return res
}

// sortedKeys returns the party ids of a map in ascending order, so resources
// are declared in a stable order.
func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
