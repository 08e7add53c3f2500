package stacks

import (
	"sort"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/attestedkey"
	policy "github.com/mpc-mesh/infra/constructs/iampolicy"
	"github.com/mpc-mesh/infra/constructs/irsa"
	"github.com/mpc-mesh/infra/constructs/kubeip"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/constructs/rds"
	"github.com/mpc-mesh/infra/constructs/vault"
	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
)

// kubeipServiceAccount is the KubeIP agent's service account, named the same
// in the IRSA trust policy (party stack) and in the cluster (cluster stack).
const kubeipServiceAccount = "kubeip-agent"

// partyLayer is the party's own AWS infrastructure.
type partyLayer struct {
	cluster    *clusterLookup
	role       *irsa.Role
	vault      *vault.Vault
	key        *attestedkey.Key
	nodes      *nodegroup.NodeGroup
	kubeipRole *irsa.Role
	db         *rds.Database
}

func (b *meshBuild) newPartyStack(scope constructs.Construct, p *config.Party) *partyLayer {
	s := NewBase(scope, b.env, p, config.LayerParty, b.opts)
	m, names := p.Managed, b.env.Names(p)
	part := partition(p.Region)
	l := &partyLayer{cluster: s.lookupCluster()}
	oidc := s.oidcProviderARN(l.cluster)

	l.role = irsa.New(s.Stack, "party-role", &irsa.Props{
		RoleName:        names.PartyRole,
		Description:     "MPC services of " + p.Name + ": read and write the party's vault buckets",
		OIDCProviderARN: oidc,
		OIDCIssuer:      l.cluster.OIDCIssuer,
		Namespace:       m.Kubernetes.Namespace,
		ServiceAccount:  m.Kubernetes.ServiceAccount,
		Policy:          vaultAccessPolicy(part, names),
	})
	l.vault = vault.New(s.Stack, "vault", &vault.Props{
		PrivateBucketName:     names.PrivateBucket,
		PublicBucketName:      names.PublicBucket,
		ReaderRoleARNs:        &[]*string{l.role.ARN},
		Region:                jsii.String(p.Region),
		AccountID:             jsii.String(p.AccountID),
		Partition:             part,
		PreventDestroy:        *m.Vault.PreventDestroy,
		NoncurrentVersionDays: m.Vault.NoncurrentVersionDays,
	})
	l.key = attestedkey.New(s.Stack, "attested-key", &attestedkey.Props{
		AliasName:          names.KeyAlias,
		Description:        "MPC party " + p.Name + " (" + b.env.Name + "): usable for decryption only by an attested enclave image",
		PartyRoleARN:       l.role.ARN,
		PCR0:               m.Enclave.PCR0,
		PCR1:               optional(m.Enclave.PCR1),
		PCR2:               optional(m.Enclave.PCR2),
		AccountID:          jsii.String(p.AccountID),
		Partition:          part,
		AdminRoleARNs:      m.KMS.AdminRoleARNs,
		DeletionWindowDays: m.KMS.DeletionWindowDays,
	})
	l.nodes = b.newNodeGroup(s, p, l.cluster)
	switch b.env.Strategy {
	case config.KubeIP:
		l.kubeipRole = kubeip.NewRole(s.Stack, "kubeip-role", &kubeip.RoleProps{
			RoleName:        names.KubeIPRole,
			OIDCProviderARN: oidc,
			OIDCIssuer:      l.cluster.OIDCIssuer,
			Namespace:       m.KubeIP.Namespace,
			ServiceAccount:  kubeipServiceAccount,
			Environment:     b.env.Name,
			PartyID:         p.ID,
			Partition:       jsii.String(part),
			Region:          jsii.String(p.Region),
			AccountID:       jsii.String(p.AccountID),
		})
	case config.PrivateLink:
		if m.PrivateLink.AcceptanceRequired {
			b.acceptManagedPeers(s, p)
		}
	}
	if m.RDS.Enabled {
		l.db = rds.New(s.Stack, "connector-db", &rds.Props{
			Identifier:                names.RDSIdentifier,
			EngineVersion:             m.RDS.EngineVersion,
			InstanceClass:             m.RDS.InstanceClass,
			DBName:                    m.RDS.DBName,
			Port:                      m.RDS.Port,
			SubnetIDs:                 s.subnets(l.cluster, false),
			VpcID:                     l.cluster.VpcID,
			SourceSecurityGroupID:     l.cluster.ClusterSecurityGroupID,
			DisableDeletionProtection: !b.opts.protected(p, *m.RDS.DeletionProtection),
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
	return l
}

// newNodeGroup creates the enclave node group: public subnets and the
// firewall for KubeIP (the node must be reachable on its Elastic IP),
// private subnets for PrivateLink.
func (b *meshBuild) newNodeGroup(s *Base, p *config.Party, c *clusterLookup) *nodegroup.NodeGroup {
	m, names := p.Managed, b.env.Names(p)
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
	}
	switch b.env.Strategy {
	case config.KubeIP:
		props.SubnetIDs = s.subnets(c, true)
		props.AdditionalSecurityGroupIDs = &[]*string{b.consumers[p.ID].firewall.SecurityGroupID}
		props.Labels, props.Taints = nodegroup.KubeIPLabels(), nodegroup.KubeIPTaints()
		// The KubeIP role may bind the party's addresses only to instances and
		// interfaces carrying these tags (kubeip.Policy).
		props.Tags = kubeip.NodeTags(b.env.Name, p.ID)
	case config.PrivateLink:
		props.SubnetIDs = s.subnets(c, false)
		props.Labels, props.Taints = nodegroup.PrivateLinkLabels(), nodegroup.PrivateLinkTaints()
	}
	return nodegroup.New(s.Stack, "enclave-nodes", props)
}

// acceptManagedPeers accepts the endpoint connections of the managed peers
// to this party's endpoint service. External peers' connections are accepted
// by the operator, since their endpoint ids are not known here.
func (b *meshBuild) acceptManagedPeers(s *Base, p *config.Party) {
	ids := map[int]*string{}
	for _, q := range b.env.Peers(p) {
		if c, ok := b.consumers[q.ID]; ok {
			ids[q.ID] = c.endpoints.Endpoints[p.ID].ID
		}
	}
	if len(ids) == 0 {
		return
	}
	vpcendpointprovider.NewAccepter(s.Stack, "endpoint-acceptance", &vpcendpointprovider.AccepterProps{
		ServiceID:   b.providers[p.ID].endpoint.ServiceID,
		EndpointIDs: ids,
	})
}

// vaultAccessPolicy lets the MPC services read and write objects of the two
// vault buckets and list them; nothing else. KMS use of the keys is granted
// by the key policies themselves.
func vaultAccessPolicy(partition string, n config.Names) policy.Document {
	arn := func(bucket string) string { return "arn:" + partition + ":s3:::" + bucket }
	return policy.New(
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
}

// partition returns the AWS partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
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
