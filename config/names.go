package config

import (
	"fmt"
	"strings"
)

// Layer is one of the four stacks every managed party gets.
type Layer string

// The four layers, in dependency order.
const (
	// LayerProvider holds what the party publishes (EIP or NLB + endpoint service).
	LayerProvider Layer = "provider"
	// LayerConsumer holds how it reaches and admits peers (firewall or interface endpoints).
	LayerConsumer Layer = "consumer"
	// LayerParty holds its node infrastructure (vaults, IRSA, KMS, node group).
	LayerParty Layer = "party"
	// LayerCluster holds everything inside Kubernetes.
	LayerCluster Layer = "cluster"
)

// Layers lists the layers in the order they are applied.
var Layers = []Layer{LayerProvider, LayerConsumer, LayerParty, LayerCluster}

// Names are the AWS and Kubernetes names derived for one managed party. They
// are computed in one place so that validation checks exactly the names the
// stacks create.
type Names struct {
	// PrivateBucket and PublicBucket are the vault bucket names.
	PrivateBucket, PublicBucket string
	// BackupBucket is the backup vault bucket, in the party's region;
	// ReplicaBucket its replica in the backup's replica region.
	BackupBucket, ReplicaBucket string
	// ReplicationRole is the role S3 assumes to replicate the backup bucket.
	ReplicationRole string
	// BackupKeyAlias is the alias of the backup key and of its replica.
	BackupKeyAlias string
	// PartyRole is the IRSA role of the MPC services.
	PartyRole string
	// ConnectorRole is the IRSA role of the KMS connector.
	ConnectorRole string
	// KubeIPRole is the IRSA role of the KubeIP agent.
	KubeIPRole string
	// TrustSyncRole is the IRSA role of the CA certificate sync.
	TrustSyncRole string
	// NodeRole is the IAM role of the enclave nodes.
	NodeRole string
	// NodeGroup is the EKS managed node group name.
	NodeGroup string
	// FirewallSG is the KubeIP firewall security group name.
	FirewallSG string
	// EndpointSG is the PrivateLink interface endpoints' security group name.
	EndpointSG string
	// LoadBalancer is the NLB name (at most 32 characters); target groups append -<port name>.
	LoadBalancer string
	// KeyAlias is the attested KMS key alias.
	KeyAlias string
	// TxSenderKeyAlias is the connector's transaction-signing key alias.
	TxSenderKeyAlias string
	// RDSIdentifier is the database instance identifier.
	RDSIdentifier string
	// EIP is the Name tag prefix of the party's Elastic IPs.
	EIP string
}

// Names returns the derived names of a party of this environment.
func (e *Environment) Names(p *Party) Names {
	base := fmt.Sprintf("mpc-%s-%s", e.Name, p.Name)
	n := Names{
		PartyRole:        base + "-party",
		ConnectorRole:    base + "-connector",
		KubeIPRole:       base + "-kubeip",
		TrustSyncRole:    base + "-trust",
		NodeRole:         base + "-node",
		NodeGroup:        base + "-enclave",
		FirewallSG:       base + "-enclave-firewall",
		EndpointSG:       base + "-endpoints",
		LoadBalancer:     fmt.Sprintf("mpc-%s-p%d", e.Name, p.ID),
		KeyAlias:         fmt.Sprintf("alias/mpc-%s-%s", e.Name, p.Name),
		TxSenderKeyAlias: fmt.Sprintf("alias/mpc-%s-%s-tx-sender", e.Name, p.Name),
		// ReplicationRole and BackupKeyAlias are only created with a backup.
		ReplicationRole: base + "-backup-replication",
		BackupKeyAlias:  fmt.Sprintf("alias/mpc-%s-%s-backup", e.Name, p.Name),
		RDSIdentifier:   fmt.Sprintf("%s-%s-%s", e.Name, p.Name, "db"),
		EIP:             base + "-eip",
	}
	if m := p.Managed; m != nil {
		n.PrivateBucket = m.Vault.BucketPrefix + "-private"
		n.PublicBucket = m.Vault.BucketPrefix + "-public"
		n.BackupBucket = m.Vault.BucketPrefix + "-backup"
		n.ReplicaBucket = m.Vault.BucketPrefix + "-backup-rep"
		n.RDSIdentifier = fmt.Sprintf("%s-%s-%s", e.Name, p.Name, m.RDS.DBName)
		n.PartyRole = orString(m.IAM.PartyRoleName, n.PartyRole)
		n.ConnectorRole = orString(m.IAM.ConnectorRoleName, n.ConnectorRole)
	}
	return n
}

// LongestTargetGroup is the longest target group name: the NLB name plus "-metrics".
func (n Names) LongestTargetGroup() string { return n.LoadBalancer + "-metrics" }

// StackName is the name of one layer's stack: <env>-<party>-<layer>.
func (e *Environment) StackName(p *Party, l Layer) string {
	return fmt.Sprintf("%s-%s-%s", e.Name, p.Name, l)
}

// ManagedParties returns the parties this app deploys, in file order.
func (e *Environment) ManagedParties() []*Party {
	var res []*Party
	for i := range e.Parties {
		if e.Parties[i].Managed != nil {
			res = append(res, &e.Parties[i])
		}
	}
	return res
}

// Peers returns every party except p, in file order.
func (e *Environment) Peers(p *Party) []*Party {
	var res []*Party
	for i := range e.Parties {
		if e.Parties[i].ID != p.ID {
			res = append(res, &e.Parties[i])
		}
	}
	return res
}

// PortList returns the MPC ports parties publish to each other, in a fixed order.
func (e *Environment) PortList() []NamedPort {
	var res []NamedPort
	if *e.Ports.ExposeGRPC {
		res = append(res, NamedPort{"grpc", e.Ports.GRPC})
	}
	return append(res, NamedPort{"peer", e.Ports.Peer}, NamedPort{"metrics", e.Ports.Metrics})
}

// ServicePorts returns every port the MPC services listen on, published or
// not, in the same order as PortList: the release configures all of them.
func (e *Environment) ServicePorts() []NamedPort {
	return []NamedPort{{"grpc", e.Ports.GRPC}, {"peer", e.Ports.Peer}, {"metrics", e.Ports.Metrics}}
}

// NamedPort is a port with the name the services and the chart use.
type NamedPort struct {
	Name   string
	Number int
}

// ManagedParty returns the managed party of the environment named name, or
// an error listing the managed parties.
func (e *Environment) ManagedParty(name string) (*Party, error) {
	for _, p := range e.ManagedParties() {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%s: no managed party named %q; managed parties: %s", e.File, name, strings.Join(managedNames(e), ", "))
}
