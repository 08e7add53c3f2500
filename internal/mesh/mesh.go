// Package mesh holds the small vocabulary that the networking constructs of
// both strategies share: the MPC ports a party serves and the peers it talks to.
package mesh

import "fmt"

// Port is one MPC port, named as the Kubernetes services and the Helm chart name it.
type Port struct {
	// Name is the port name: "grpc", "peer" or "metrics" for the defaults.
	Name string
	// Number is the TCP port number, used unchanged on both ends of a connection.
	Number int
}

// The MPC ports' names and default numbers; every default port of the
// product comes from here.
const (
	GRPCName    = "grpc"
	PeerName    = "peer"
	MetricsName = "metrics"
	GRPCPort    = 50100
	PeerPort    = 50001
	MetricsPort = 9646
)

// DefaultPorts are the ports of the MPC services: gRPC client 50100, threshold peer 50001, metrics 9646.
var DefaultPorts = []Port{{Name: GRPCName, Number: GRPCPort}, {Name: PeerName, Number: PeerPort}, {Name: MetricsName, Number: MetricsPort}}

// PublishedPorts are the default ports a party publishes to its peers: the
// threshold peer port and the metrics port. The gRPC client port is left
// out because peers never call it; only clients inside the party's own
// cluster do, so publishing it would widen the attack surface for nothing.
var PublishedPorts = []Port{{Name: PeerName, Number: PeerPort}, {Name: MetricsName, Number: MetricsPort}}

// Peer is another party of the mesh, as seen from the party being built.
// Fields that a strategy does not use stay empty. Pointer fields may hold
// cdktf tokens that resolve through a cross-stack reference.
type Peer struct {
	// ID is the peer's numeric party id.
	ID int
	// Name is the peer's party name.
	Name string
	// AccountID is the peer's 12-digit AWS account id.
	AccountID string
	// Region is the peer's AWS region.
	Region string
	// PublicIPs are the peer's published Elastic IPs, one per enclave node,
	// in index order (KubeIP strategy). Every one of them is a peer address:
	// firewalls admit and reach each.
	PublicIPs []*string
	// ServiceName is the peer's VPC endpoint service name (PrivateLink strategy).
	ServiceName *string
	// AZIDs are the availability-zone ids of the peer's NLB subnets (PrivateLink strategy).
	AZIDs *[]*string
	// PublicVault is the peer's public vault bucket, where it publishes its
	// CA certificate; nil when an external peer gives none.
	PublicVault *string
	// PublicVaultRegion is that bucket's region.
	PublicVaultRegion string
}

// ServiceName returns the in-cluster name that means "party id": mpc-node-<id>.
func ServiceName(partyID int) string { return fmt.Sprintf("mpc-node-%d", partyID) }

// Key returns a stable construct id fragment for a peer, such as "party-3".
func (p Peer) Key() string { return fmt.Sprintf("party-%d", p.ID) }
