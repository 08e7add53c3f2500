package stacks

import (
	"sort"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/attestedkey"
	"github.com/mpc-mesh/infra/constructs/backupkey"
	"github.com/mpc-mesh/infra/constructs/backupvault"
	"github.com/mpc-mesh/infra/constructs/firewall"
	"github.com/mpc-mesh/infra/constructs/irsa"
	"github.com/mpc-mesh/infra/constructs/kubeip"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/constructs/rds"
	"github.com/mpc-mesh/infra/constructs/trustsync"
	"github.com/mpc-mesh/infra/constructs/txsenderkey"
	"github.com/mpc-mesh/infra/constructs/vault"
	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
	"github.com/mpc-mesh/infra/internal/kmsconnector"
	"github.com/mpc-mesh/infra/internal/kmscore"
)

// kubeipServiceAccount is the KubeIP agent's service account, named the same
// in the IRSA trust policy (party stack) and in the cluster (cluster stack).
const kubeipServiceAccount = "kubeip-agent"

// PartyVariables is what a party stack reads from the party's other layers.
type PartyVariables struct {
	// Firewall is the party's enclave firewall (KubeIP), which the enclave
	// nodes carry; nil under PrivateLink.
	Firewall *firewall.Firewall
	// Provider is the party's provider stack (its endpoint service, whose
	// peers' connections the party accepts).
	Provider *ProviderOutputs
	// PeerEndpointIDs are the ids of the managed peers' interface endpoints
	// to this party's endpoint service, by peer id (PrivateLink).
	PeerEndpointIDs map[int]*string
}

// PartyOutputs is the party's own AWS infrastructure.
type PartyOutputs struct {
	// Cluster is the party's EKS cluster, as looked up.
	Cluster *clusterLookup
	// Role is the MPC services' IRSA role.
	Role *irsa.Role
	// Vault is the pair of vault buckets.
	Vault *vault.Vault
	// Key is the attested KMS key, nil when kms.core_key_arn names an existing one.
	Key *attestedkey.Key
	// RootKeyID is the party's root key as kms-core reads it: the attested
	// key's id, or the ARN of the existing key (a key of another account is
	// only found by ARN).
	RootKeyID *string
	// ConnectorRole is the KMS connector's IRSA role, nil without a connector.
	ConnectorRole *irsa.Role
	// TxSenderKeyID is the connector's transaction-signing key (id, or the
	// ARN of an existing key), nil without a connector.
	TxSenderKeyID *string
	// Nodes is the enclave node group.
	Nodes *nodegroup.NodeGroup
	// KubeIPRole is the KubeIP agent's IRSA role (KubeIP), nil otherwise.
	KubeIPRole *irsa.Role
	// TrustSyncRole is the CA certificate sync's IRSA role, nil when the
	// party syncs no peer.
	TrustSyncRole *irsa.Role
	// DB is the connector database, nil without one.
	DB *rds.Database
	// Backup is the backup vault, nil without a backup.
	Backup *backupvault.BackupVault
	// BackupKey is the multi-region backup key, nil without a backup.
	BackupKey *backupkey.Key
}

// NewPartyStack builds a party's own infrastructure: vaults, IRSA roles,
// the attested key, the enclave node group and the optional database.
func NewPartyStack(scope constructs.Construct, layer Layer, vars PartyVariables) (*PartyOutputs, error) {
	s := NewBase(scope, layer.Env, layer.Party, config.LayerParty, layer.Opts)
	l := &PartyOutputs{}
	return l, build(s.Name, func() { l.build(s, layer.Env, layer.Party, vars) })
}

func (l *PartyOutputs) build(s *Base, env *config.Environment, p *config.Party, vars PartyVariables) {
	m, names := p.Managed, env.Names(p)
	part := partition(p.Region)
	l.Cluster = s.lookupCluster()
	oidc := s.oidcProviderARN(l.Cluster)

	l.Role = irsa.New(s.Stack, "party-role", &irsa.Props{
		RoleName:        names.PartyRole,
		Description:     "MPC services of " + p.Name + ": read and write the party's vault buckets",
		OIDCProviderARN: oidc,
		OIDCIssuer:      l.Cluster.OIDCIssuer,
		Namespace:       m.Kubernetes.Namespace,
		ServiceAccount:  m.Kubernetes.ServiceAccount,
		Policy:          policy.New(append(vaultAccessPolicy(part, names, m.Backup.On()).Statement, externalKeyGrant("CoreKey", m.KMS.CoreKeyARN, coreKeyActions)...)...),
	})
	l.Vault = vault.New(s.Stack, "vault", &vault.Props{
		PrivateBucketName:     names.PrivateBucket,
		PublicBucketName:      names.PublicBucket,
		ReaderRoleARNs:        &[]*string{l.Role.ARN},
		Region:                jsii.String(p.Region),
		AccountID:             jsii.String(p.AccountID),
		Partition:             part,
		PreventDestroy:        *m.Vault.PreventDestroy,
		NoncurrentVersionDays: m.Vault.NoncurrentVersionDays,
		// The MPC services find every party's CA certificate, their own
		// included, by listing its CA prefix anonymously, and peers' syncs
		// list this party's own prefix.
		CAPartyIDs: partyIDs(env),
	})
	if peers := env.TrustPeers(p); len(peers) > 0 {
		// Peers' bucket names come from the configuration, not from their
		// party stacks: a reference would make party stacks depend on each
		// other, both ways. The cluster stack's plan references them.
		plan := env.TrustPlan(p)
		l.TrustSyncRole = irsa.New(s.Stack, "trust-sync-role", &irsa.Props{
			RoleName:        names.TrustSyncRole,
			Description:     "CA certificate sync of " + p.Name + ": copy the peers' CA certificates into the public vault",
			OIDCProviderARN: oidc,
			OIDCIssuer:      l.Cluster.OIDCIssuer,
			Namespace:       m.Kubernetes.Namespace,
			ServiceAccount:  trustsync.DefaultName,
			Policy:          trustsync.RolePolicy(part, plan.Self, plan.Peers),
		})
	}
	gate := func(alias, description string) attestedkey.Props {
		return attestedkey.Props{
			AliasName:          alias,
			Description:        description,
			PartyRoleARN:       l.Role.ARN,
			PCR0:               m.Enclave.PCR0,
			PCR1:               optional(m.Enclave.PCR1),
			PCR2:               optional(m.Enclave.PCR2),
			AccountID:          jsii.String(p.AccountID),
			Partition:          part,
			AdminRoleARNs:      m.KMS.AdminRoleARNs,
			DeletionWindowDays: m.KMS.DeletionWindowDays,
		}
	}
	if m.KMS.CoreKeyARN != "" {
		// The key's owner keeps its policy; the party role's IAM grant above
		// is the half this account controls.
		l.RootKeyID = jsii.String(m.KMS.CoreKeyARN)
	} else {
		key := gate(names.KeyAlias, "MPC party "+p.Name+" ("+env.Name+"): usable for decryption only by an attested enclave image")
		l.Key = attestedkey.New(s.Stack, "attested-key", &key)
		l.RootKeyID = l.Key.KeyID
	}
	if m.Connector.Enabled {
		l.newConnector(s, env, p, oidc)
	}
	if b := m.Backup; b.On() {
		l.Backup = backupvault.New(s.Stack, "backup-vault", &backupvault.Props{
			BucketName:            names.BackupBucket,
			ReplicaBucketName:     names.ReplicaBucket,
			ReplicationRoleName:   names.ReplicationRole,
			PartyRoleARN:          l.Role.ARN,
			Region:                p.Region,
			ReplicaRegion:         b.ReplicaRegion,
			AccountID:             jsii.String(p.AccountID),
			Partition:             part,
			ReplicaProvider:       s.Replica,
			PreventDestroy:        *b.PreventDestroy,
			NoncurrentVersionDays: b.NoncurrentVersionDays,
		})
		l.BackupKey = backupkey.New(s.Stack, "backup-key", &backupkey.Props{
			// The same gate as the party key: the same role, images and administrators.
			Key:             gate(names.BackupKeyAlias, "MPC party "+p.Name+" ("+env.Name+") backup: decryption only by an attested enclave image"),
			ReplicaProvider: s.Replica,
			PreventDestroy:  *b.PreventDestroy,
		})
	}
	l.Nodes = newNodeGroup(s, env, p, l.Cluster, vars.Firewall)
	switch env.Strategy {
	case config.KubeIP:
		l.KubeIPRole = kubeip.NewRole(s.Stack, "kubeip-role", &kubeip.RoleProps{
			RoleName:        names.KubeIPRole,
			OIDCProviderARN: oidc,
			OIDCIssuer:      l.Cluster.OIDCIssuer,
			Namespace:       m.KubeIP.Namespace,
			ServiceAccount:  kubeipServiceAccount,
			Environment:     env.Name,
			PartyID:         p.ID,
			Partition:       jsii.String(part),
			Region:          jsii.String(p.Region),
			AccountID:       jsii.String(p.AccountID),
		})
	case config.PrivateLink:
		if m.PrivateLink.AcceptanceRequired && len(vars.PeerEndpointIDs) > 0 {
			// External peers' connections are accepted by the operator, since
			// their endpoint ids are not known here.
			vpcendpointprovider.NewAccepter(s.Stack, "endpoint-acceptance", &vpcendpointprovider.AccepterProps{
				ServiceID:   vars.Provider.Endpoint.ServiceID,
				EndpointIDs: vars.PeerEndpointIDs,
			})
		}
	}
	if m.RDS.Enabled {
		l.DB = rds.New(s.Stack, "connector-db", &rds.Props{
			Identifier:                names.RDSIdentifier,
			EngineVersion:             m.RDS.EngineVersion,
			InstanceClass:             m.RDS.InstanceClass,
			DBName:                    m.RDS.DBName,
			Port:                      m.RDS.Port,
			SubnetIDs:                 s.subnets(l.Cluster, false),
			VpcID:                     l.Cluster.VpcID,
			SourceSecurityGroupID:     l.Cluster.ClusterSecurityGroupID,
			DisableDeletionProtection: !s.Opts.protected(p, *m.RDS.DeletionProtection),
			AllocatedStorage:          m.RDS.AllocatedStorageGiB,
			MaxAllocatedStorage:       m.RDS.MaxAllocatedStorageGiB,
			MultiAZ:                   m.RDS.MultiAZ,
			BackupRetentionDays:       m.RDS.BackupRetentionDays,
			MonitoringInterval:        m.RDS.MonitoringInterval,
			MonitoringRoleARN:         optionalString(m.RDS.MonitoringRoleARN),
			PasswordRotationDays:      m.RDS.PasswordRotationDays,
			Partition:                 part,
			Parameters:                rdsParameters(m.RDS.Parameters),
			// A dedicated customer key rather than aws/rds: rotation and the key
			// policy are the party's, and use is confined to RDS and Secrets Manager.
			CustomerKey: true,
			AccountID:   p.AccountID,
			Region:      p.Region,
			// Lets the connector move to short-lived IAM tokens; no role is
			// granted rds-db:connect, so this opens no access by itself.
			IAMDatabaseAuthentication: true,
		})
	}
}

// coreKeyActions are what the party role does with its root key: unwrap
// and wrap key shares (under the enclave attestation the key policy
// requires) and read the key's metadata, policy and public key.
var coreKeyActions = append(append([]string{}, attestedkey.EnclaveActions...), attestedkey.ReadActions...)

// externalKeyGrant is the IAM half of using an existing key: a key in
// another account is usable only when both its key policy and the
// caller's IAM policy allow the action. No statement without a key ARN:
// a key created here names the role in its own policy, which suffices in
// the same account.
func externalKeyGrant(sid, keyARN string, actions []string) []policy.Statement {
	if keyARN == "" {
		return nil
	}
	return []policy.Statement{{Sid: sid, Effect: policy.Allow, Action: actions, Resource: []string{keyARN}}}
}

// newConnector creates the KMS connector's identity: its IRSA role, for the
// ServiceAccount <party service account>-connector only, and its
// transaction-signing key, unless kms.tx_sender_key_arn names one.
func (l *PartyOutputs) newConnector(s *Base, env *config.Environment, p *config.Party, oidc *string) {
	m, names := p.Managed, env.Names(p)
	l.ConnectorRole = irsa.New(s.Stack, "connector-role", &irsa.Props{
		RoleName:        names.ConnectorRole,
		Description:     "KMS connector of " + p.Name + ": sign transactions with its KMS key",
		OIDCProviderARN: oidc,
		OIDCIssuer:      l.Cluster.OIDCIssuer,
		Namespace:       m.Kubernetes.Namespace,
		ServiceAccount:  kmsconnector.ServiceAccountName(m.Kubernetes.ServiceAccount),
		Policy:          policy.New(externalKeyGrant("TxSenderKey", m.KMS.TxSenderKeyARN, kmsconnector.SigningActions)...),
	})
	if m.KMS.TxSenderKeyARN != "" {
		l.TxSenderKeyID = jsii.String(m.KMS.TxSenderKeyARN)
		return
	}
	l.TxSenderKeyID = txsenderkey.New(s.Stack, "tx-sender-key", &txsenderkey.Props{
		AliasName:          names.TxSenderKeyAlias,
		Description:        "KMS connector of " + p.Name + " (" + env.Name + "): transaction signing",
		ConnectorRoleARN:   l.ConnectorRole.ARN,
		AccountID:          jsii.String(p.AccountID),
		Partition:          partition(p.Region),
		AdminRoleARNs:      m.KMS.AdminRoleARNs,
		DeletionWindowDays: m.KMS.DeletionWindowDays,
	}).KeyID
}

// newNodeGroup creates the enclave node group: public subnets and the
// firewall for KubeIP (the node must be reachable on its Elastic IP),
// private subnets for PrivateLink.
func newNodeGroup(s *Base, env *config.Environment, p *config.Party, c *clusterLookup, fw *firewall.Firewall) *nodegroup.NodeGroup {
	m, names := p.Managed, env.Names(p)
	props := &nodegroup.Props{
		ClusterName:                   jsii.String(m.ClusterName),
		NodeGroupName:                 names.NodeGroup,
		NodeRoleName:                  names.NodeRole,
		ClusterPrimarySecurityGroupID: c.ClusterSecurityGroupID,
		InstanceTypes:                 m.NodeGroup.InstanceTypes,
		CapacityType:                  m.NodeGroup.CapacityType,
		AMIType:                       m.NodeGroup.AMIType,
		DiskSizeGiB:                   m.NodeGroup.DiskSizeGiB,
		Scaling:                       &nodegroup.Scaling{Min: m.NodeGroup.MinSize, Max: m.NodeGroup.MaxSize, Desired: m.NodeGroup.DesiredSize},
		EnclaveCPUCount:               m.Enclave.CPUCount,
		EnclaveMemoryMiB:              m.Enclave.MemoryMiB,
		EnableSSM:                     m.NodeGroup.EnableSSM,
		AMIID:                         m.NodeGroup.AMIID,
		ReleaseVersion:                m.NodeGroup.AMIReleaseVersion,
		MaxUnavailable:                m.NodeGroup.MaxUnavailable,
		MaxUnavailablePercentage:      m.NodeGroup.MaxUnavailablePercentage,
	}
	if m.NodeGroup.AMIID != "" {
		props.Cluster = &nodegroup.ClusterJoin{Endpoint: c.Endpoint, CA: c.CA, ServiceCIDR: c.ServiceCIDR}
	}
	var sgs []*string
	switch env.Strategy {
	case config.KubeIP:
		props.SubnetIDs = s.subnets(c, true)
		sgs = append(sgs, fw.SecurityGroupID)
		props.Labels, props.Taints = nodegroup.KubeIPLabels(), nodegroup.KubeIPTaints()
		// The KubeIP role may bind the party's addresses only to instances and
		// interfaces carrying these tags (kubeip.Policy).
		props.Tags = kubeip.NodeTags(env.Name, p.ID)
	case config.PrivateLink:
		props.SubnetIDs = s.subnets(c, false)
		props.Labels, props.Taints = nodegroup.PrivateLinkLabels(), nodegroup.PrivateLinkTaints()
	}
	// Validation keeps the extra labels off the scheduling labels, so
	// neither overwrites the other.
	for k, v := range m.NodeGroup.Labels {
		props.Labels[k] = v
	}
	sgs = append(sgs, *jsii.Strings(m.NodeGroup.ExtraSecurityGroups...)...)
	if len(sgs) > 0 {
		props.AdditionalSecurityGroupIDs = &sgs
	}
	return nodegroup.New(s.Stack, "enclave-nodes", props)
}

// vaultAccessPolicy lets the MPC services read and write objects of the two
// vault buckets and list them, and with a backup write and read the backup
// bucket and read its replica; nothing else. KMS use of the keys (storage,
// attested, backup) is granted by the key policies themselves, which name
// the party role: an IAM grant would add nothing and would outlive a key
// policy change.
func vaultAccessPolicy(partition string, n config.Names, backup bool) policy.Document {
	arn := func(bucket string) string { return backupvault.BucketARN(partition, bucket) }
	doc := policy.New(
		// The services store key shares (private) and publish public material
		// (public), and replace or remove them on resharing; objects only.
		policy.Statement{
			Sid:      "VaultObjects",
			Effect:   policy.Allow,
			Action:   []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
			Resource: []string{arn(n.PrivateBucket) + "/*", arn(n.PublicBucket) + "/*"},
		},
		// Listing finds the stored shares and material; the two buckets only.
		policy.Statement{
			Sid:      "VaultListing",
			Effect:   policy.Allow,
			Action:   []string{"s3:ListBucket"},
			Resource: []string{arn(n.PrivateBucket), arn(n.PublicBucket)},
		},
	)
	if !backup {
		return doc
	}
	doc.Statement = append(doc.Statement,
		// The services write the backup and read it back, under its prefix.
		// No delete: versioning keeps every replaced version, and a
		// compromised pod cannot remove a backup.
		policy.Statement{
			Sid:      "BackupObjects",
			Effect:   policy.Allow,
			Action:   []string{"s3:GetObject", "s3:PutObject"},
			Resource: []string{arn(n.BackupBucket) + "/" + kmscore.BackupPrefix + "/*"},
		},
		// A restore after losing the party's region reads the replica; S3
		// replication alone writes it.
		policy.Statement{
			Sid:      "BackupReplicaObjects",
			Effect:   policy.Allow,
			Action:   []string{"s3:GetObject"},
			Resource: []string{arn(n.ReplicaBucket) + "/" + kmscore.BackupPrefix + "/*"},
		},
		// Listing finds the stored backups, under the prefix only.
		policy.Statement{
			Sid:       "BackupListing",
			Effect:    policy.Allow,
			Action:    []string{"s3:ListBucket"},
			Resource:  []string{arn(n.BackupBucket), arn(n.ReplicaBucket)},
			Condition: map[string]map[string]any{"StringLike": {"s3:prefix": []string{kmscore.BackupPrefix, kmscore.BackupPrefix + "/*"}}},
		},
	)
	return doc
}

// partyIDs returns the ids of every party of the environment, in file order.
func partyIDs(env *config.Environment) []int {
	ids := make([]int, len(env.Parties))
	for i := range env.Parties {
		ids[i] = env.Parties[i].ID
	}
	return ids
}

// partition returns the AWS partition of a region.
func partition(region string) string { return config.Partition(region) }

// optionalString is nil for an empty string, else the string.
func optionalString(v string) *string {
	if v == "" {
		return nil
	}
	return jsii.String(v)
}

func optional(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

func rdsParameters(m map[string]string) []rds.Parameter {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	res := make([]rds.Parameter, 0, len(keys))
	for _, k := range keys {
		res = append(res, rds.Parameter{Name: k, Value: m[k]})
	}
	return res
}
