package stacks

import (
	"fmt"
	"path/filepath"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"gopkg.in/yaml.v3"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/deviceplugin"
	"github.com/mpc-mesh/infra/constructs/elasticip"
	"github.com/mpc-mesh/infra/constructs/kubeip"
	"github.com/mpc-mesh/infra/constructs/mpchelm"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/constructs/partyk8s"
	"github.com/mpc-mesh/infra/constructs/trustsync"
	"github.com/mpc-mesh/infra/constructs/vpcendpointconsumer"
	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/internal/trust"
)

// enclaveScheduling is where enclave workloads run: the node labels to
// select and the taints to tolerate, per strategy.
func enclaveScheduling(env *config.Environment) (map[string]string, []nodegroup.Taint) {
	if env.Strategy == config.KubeIP {
		return nodegroup.KubeIPWorkloadSelector(), nodegroup.KubeIPTaints()
	}
	return nodegroup.PrivateLinkLabels(), nodegroup.PrivateLinkTaints()
}

// ClusterVariables is what a cluster stack reads from the party's other
// layers and from the mesh.
type ClusterVariables struct {
	// Party is the party's own infrastructure: cluster, roles, vaults, key, database.
	Party *PartyOutputs
	// Provider is what the party publishes (the NLB's target groups under PrivateLink).
	Provider *ProviderOutputs
	// Consumer is how the party reaches its peers (endpoint DNS names under PrivateLink).
	Consumer *ConsumerOutputs
	// Published is what every party of the mesh publishes, by party id.
	Published map[int]mesh.Peer
}

// NewClusterStack builds what runs in a party's cluster: its namespace,
// identity and ConfigMap, the networking objects of its strategy, the Nitro
// device plugin, the connectivity probe and the MPC services release.
func NewClusterStack(scope constructs.Construct, layer Layer, vars ClusterVariables) error {
	s := NewBase(scope, layer.Env, layer.Party, config.LayerCluster, layer.Opts)
	return build(s.Name, func() { buildCluster(s, layer.Env, layer.Party, vars) })
}

func buildCluster(s *Base, env *config.Environment, p *config.Party, vars ClusterVariables) {
	m, party := p.Managed, vars.Party
	peers := peersOf(env, p, vars.Published)
	s.AddKubernetesProviders(KubernetesConnection{Endpoint: party.Cluster.Endpoint, CACertificate: party.Cluster.CA})
	selector, taints := enclaveScheduling(env)
	tolerations := nodegroup.Tolerations(taints)

	k8s := partyk8s.New(s.Stack, "party", &partyk8s.Props{
		PartyName:          p.Name,
		ClusterName:        m.ClusterName,
		Namespace:          m.Kubernetes.Namespace,
		CreateNamespace:    *m.Kubernetes.CreateNamespace,
		ServiceAccountName: m.Kubernetes.ServiceAccount,
		IRSARoleARN:        party.Role.ARN,
		ConfigMapName:      m.Kubernetes.ConfigMap,
		PublicBucket:       party.Vault.PublicBucketName,
		PrivateBucket:      party.Vault.PrivateBucketName,
		Region:             p.Region,
		KMSKeyID:           party.RootKeyID,
		Backup:             backupOf(party),
		DatabaseHost:       databaseHost(party),
		Connector:          connector(party),
	})
	// The namespace name as a reference, so namespaced objects wait for it.
	namespace := *k8s.NamespaceName
	if dp := m.DevicePlugin; *dp.Enabled {
		r := dp.Resources
		deviceplugin.New(s.Stack, "nitro-device-plugin", &deviceplugin.Props{
			Image:        dp.Image,
			NodeSelector: selector,
			Tolerations:  tolerations,
			Limits:       map[string]string{"cpu": r.Limits.CPU, "memory": r.Limits.Memory},
			Requests:     map[string]string{"cpu": r.Requests.CPU, "memory": r.Requests.Memory},
		})
	}

	switch env.Strategy {
	case config.KubeIP:
		kubeip.New(s.Stack, "kubeip", &kubeip.Props{
			Namespace:      m.KubeIP.Namespace,
			ServiceAccount: kubeipServiceAccount,
			RoleARN:        party.KubeIPRole.ARN,
			Version:        m.KubeIP.Version,
			FilterTags:     elasticip.DiscoveryTags(env.Name, p.ID),
			LogLevel:       m.KubeIP.LogLevel,
		})
	case config.PrivateLink:
		provider := vars.Provider.Endpoint
		vpcendpointprovider.NewClusterBinding(s.Stack, "nlb-binding", &vpcendpointprovider.ClusterProps{
			PartyID:            p.ID,
			Namespace:          namespace,
			Ports:              ports(env),
			TargetGroupARNs:    provider.TargetGroupARNs,
			NLBSecurityGroupID: provider.SecurityGroupID,
		})
		consumer := vars.Consumer.Endpoints
		vpcendpointconsumer.NewExternalNames(s.Stack, "peer-services", &vpcendpointconsumer.ServicesProps{
			Namespace: namespace,
			Ports:     ports(env),
			Peers:     peers,
			DNSNames:  consumer.DNSNames(),
		})
	}

	addNetcheckJob(s, env, p, peers, k8s.NamespaceName, selector, tolerations)
	addTrustSync(s, env, p, party, vars.Published, k8s.NamespaceName)
	mpchelm.New(s.Stack, "mpc-services", helmProps(env, p, party, vars.Published, k8s, selector, tolerations))
}

// helmProps derives the MPC services' chart values from the mesh: every
// party's address as this party reaches it, the party's identity objects,
// vaults and role, the enclave size and placement, and peer TLS.
func helmProps(env *config.Environment, p *config.Party, party *PartyOutputs, published map[int]mesh.Peer, k8s *partyk8s.PartyK8s, selector map[string]string, tolerations []nodegroup.Toleration) *mpchelm.Props {
	m := p.Managed
	h := m.Helm
	props := &mpchelm.Props{
		ReleaseName:        h.ReleaseName,
		Namespace:          k8s.NamespaceName,
		Repository:         h.Repository,
		Chart:              h.Chart,
		Version:            h.Version,
		Wait:               h.Wait,
		Atomic:             h.Atomic,
		TimeoutSeconds:     h.TimeoutSeconds,
		PartyID:            p.ID,
		ThresholdValue:     env.Threshold.Value,
		ServiceAccountName: k8s.ServiceAccountName,
		RoleARN:            party.Role.ARN,
		ConfigMapName:      k8s.ConfigMapName,
		Region:             p.Region,
		// The services listen on every port, published or not.
		Ports:            meshPorts(env.ServicePorts()),
		NodeSelector:     selector,
		Tolerations:      tolerations,
		Image:            h.Image.Name,
		ImageTag:         h.Image.Tag,
		EnclaveCPUCount:  m.Enclave.CPUCount,
		EnclaveMemoryGiB: m.Enclave.MemoryMiB / 1024,
		PublicBucket:     party.Vault.PublicBucketName,
		PrivateBucket:    party.Vault.PrivateBucketName,
		PeerTLS:          *env.PeerTLS.Enabled,
	}
	if party.Backup != nil {
		props.BackupBucket = party.Backup.BucketName
	}
	for _, r := range env.PeerTLS.TrustedReleases {
		props.TrustedReleases = append(props.TrustedReleases, kmscore.TrustedRelease{PCR0: r.PCR0, PCR1: r.PCR1, PCR2: r.PCR2})
	}
	if h.Path != "" {
		props.Repository, props.LocalChartPath = "", fromStackDir(h.Path)
	}
	if env.Strategy == config.KubeIP {
		// Peers dial the node's Elastic IP: the published MPC ports must
		// answer on the node itself.
		for _, port := range ports(env) {
			props.HostPorts = append(props.HostPorts, port.Number)
		}
		props.PostRenderer = fromStackDir(PostRendererPath)
	}
	if len(h.Values) > 0 {
		extra, err := yaml.Marshal(h.Values)
		if err != nil {
			panic(fmt.Sprintf("%s: helm.values cannot be written as YAML: %v", env.File, err))
		}
		props.ExtraValues = string(extra)
	}
	for i := range env.Parties {
		q := &env.Parties[i]
		props.Peers = append(props.Peers, mpchelm.PeerHost{ID: q.ID, Host: peerHost(env, published[q.ID]), Port: env.Ports.Peer})
	}
	return props
}

// PostRendererPath is where `make deps` builds mpc-postrender, relative to
// the project root.
const PostRendererPath = "bin/mpc-postrender"

// fromStackDir returns a path relative to the project root as Terraform sees
// it from a stack's working folder, cdktf.out/stacks/<stack>, three levels
// below the project; absolute paths are kept.
func fromStackDir(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join("..", "..", "..", path)
}

// peerHost is the address every party uses for party q, and q's identity
// in the threshold protocol: q's first Elastic IP (KubeIP), or the
// in-namespace service name mpc-node-<id> (PrivateLink: the ExternalName
// service for a peer, the ClusterIP service in front of the NLB for the
// party itself). The same name on every party keeps the identities
// identical mesh-wide.
func peerHost(env *config.Environment, q mesh.Peer) *string {
	if env.Strategy == config.KubeIP {
		// The chart's peers list takes one host per party, so a party with
		// several Elastic IPs is reached at its first. Firewalls and the
		// netcheck plan cover every address, so any of them can serve.
		return q.PublicIPs[0]
	}
	return jsii.String(mesh.ServiceName(q.ID))
}

// connector is the KMS connector's role and key, nil without a connector.
func connector(l *PartyOutputs) *partyk8s.Connector {
	if l.ConnectorRole == nil {
		return nil
	}
	return &partyk8s.Connector{RoleARN: l.ConnectorRole.ARN, TxSenderKeyID: l.TxSenderKeyID}
}

// backupOf is where the party's services keep their backup, nil without one.
func backupOf(l *PartyOutputs) *partyk8s.Backup {
	if l.Backup == nil {
		return nil
	}
	return &partyk8s.Backup{Bucket: l.Backup.BucketName, KeyARN: l.BackupKey.KeyARN}
}

// databaseHost is the connector database's endpoint address, nil without RDS.
func databaseHost(l *PartyOutputs) *string {
	if l.DB == nil {
		return nil
	}
	return l.DB.EndpointAddress
}

// addTrustSync runs the CA certificate sync when the party syncs at least
// one peer. The plan names managed peers' buckets through references to
// their party stacks, where the buckets are, and external peers' buckets
// as their public_vault says.
func addTrustSync(s *Base, env *config.Environment, p *config.Party, party *PartyOutputs, published map[int]mesh.Peer, namespace *string) {
	if party.TrustSyncRole == nil {
		return
	}
	plan := trust.Plan{Self: trust.Vault{PartyID: p.ID, Name: p.Name, Bucket: *party.Vault.PublicBucketName, Region: p.Region}}
	for _, q := range env.TrustPeers(p) {
		peer := published[q.ID]
		plan.Peers = append(plan.Peers, trust.Vault{PartyID: q.ID, Name: q.Name, Bucket: *peer.PublicVault, Region: peer.PublicVaultRegion})
	}
	ts := p.Managed.TrustSync
	trustsync.New(s.Stack, "trust-sync", &trustsync.Props{
		Namespace: namespace,
		Image:     ts.Image,
		Schedule:  ts.Schedule,
		RoleARN:   party.TrustSyncRole.ARN,
		Plan:      plan,
	})
}
