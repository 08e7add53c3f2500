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
	"github.com/mpc-mesh/infra/constructs/vpcendpointconsumer"
	"github.com/mpc-mesh/infra/constructs/vpcendpointprovider"
	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/mesh"
)

// enclaveScheduling is where enclave workloads run: the node labels to
// select and the taints to tolerate, per strategy.
func enclaveScheduling(env *config.Environment) (map[string]string, []nodegroup.Taint) {
	if env.Strategy == config.KubeIP {
		return nodegroup.KubeIPWorkloadSelector(), nodegroup.KubeIPTaints()
	}
	return nodegroup.PrivateLinkLabels(), nodegroup.PrivateLinkTaints()
}

func (b *meshBuild) newClusterStack(scope constructs.Construct, p *config.Party) {
	s := NewBase(scope, b.env, p, config.LayerCluster, b.opts)
	m, party := p.Managed, b.parties[p.ID]
	s.AddKubernetesProviders(KubernetesConnection{Endpoint: party.cluster.Endpoint, CACertificate: party.cluster.CA})
	selector, taints := enclaveScheduling(b.env)
	tolerations := nodegroup.Tolerations(taints)

	k8s := partyk8s.New(s.Stack, "party", &partyk8s.Props{
		PartyName:          p.Name,
		ClusterName:        m.ClusterName,
		Namespace:          m.Kubernetes.Namespace,
		CreateNamespace:    *m.Kubernetes.CreateNamespace,
		ServiceAccountName: m.Kubernetes.ServiceAccount,
		IRSARoleARN:        party.role.ARN,
		ConfigMapName:      m.Kubernetes.ConfigMap,
		PublicBucket:       party.vault.PublicBucketName,
		PrivateBucket:      party.vault.PrivateBucketName,
		Region:             p.Region,
		KMSKeyID:           party.key.KeyID,
		DatabaseHost:       databaseHost(party),
	})
	// The namespace name as a reference, so namespaced objects wait for it.
	namespace := *k8s.NamespaceName
	deviceplugin.New(s.Stack, "nitro-device-plugin", &deviceplugin.Props{NodeSelector: selector, Tolerations: tolerations})

	switch b.env.Strategy {
	case config.KubeIP:
		kubeip.New(s.Stack, "kubeip", &kubeip.Props{
			Namespace:      m.KubeIP.Namespace,
			ServiceAccount: kubeipServiceAccount,
			RoleARN:        party.kubeipRole.ARN,
			Version:        m.KubeIP.Version,
			FilterTags:     elasticip.DiscoveryTags(b.env.Name, p.ID),
			LogLevel:       m.KubeIP.LogLevel,
		})
	case config.PrivateLink:
		provider := b.providers[p.ID].endpoint
		vpcendpointprovider.NewClusterBinding(s.Stack, "nlb-binding", &vpcendpointprovider.ClusterProps{
			PartyID:            p.ID,
			Namespace:          namespace,
			Ports:              ports(b.env),
			TargetGroupARNs:    provider.TargetGroupARNs,
			NLBSecurityGroupID: provider.SecurityGroupID,
		})
		consumer := b.consumers[p.ID].endpoints
		vpcendpointconsumer.NewExternalNames(s.Stack, "peer-services", &vpcendpointconsumer.ServicesProps{
			Namespace: namespace,
			Ports:     ports(b.env),
			Peers:     b.peersOf(p),
			DNSNames:  consumer.DNSNames(),
		})
	}

	b.addNetcheckJob(s, p, k8s.NamespaceName, selector, tolerations)
	mpchelm.New(s.Stack, "mpc-services", b.helmProps(p, k8s, selector, tolerations))
}

// helmProps derives the MPC services' chart values from the mesh: every
// party's address as this party reaches it, the party's identity objects,
// vaults and role, the enclave size and placement, and peer TLS.
func (b *meshBuild) helmProps(p *config.Party, k8s *partyk8s.PartyK8s, selector map[string]string, tolerations []nodegroup.Toleration) *mpchelm.Props {
	m := p.Managed
	h := m.Helm
	party := b.parties[p.ID]
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
		ThresholdValue:     b.env.Threshold.Value,
		ServiceAccountName: k8s.ServiceAccountName,
		RoleARN:            party.role.ARN,
		ConfigMapName:      k8s.ConfigMapName,
		Region:             p.Region,
		Ports:              ports(b.env),
		NodeSelector:       selector,
		Tolerations:        tolerations,
		Image:              h.Image.Name,
		ImageTag:           h.Image.Tag,
		EnclaveCPUCount:    m.Enclave.CPUCount,
		EnclaveMemoryGiB:   m.Enclave.MemoryMiB / 1024,
		PublicBucket:       party.vault.PublicBucketName,
		PrivateBucket:      party.vault.PrivateBucketName,
		PeerTLS:            *b.env.PeerTLS.Enabled,
	}
	for _, r := range b.env.PeerTLS.TrustedReleases {
		props.TrustedReleases = append(props.TrustedReleases, kmscore.TrustedRelease{PCR0: r.PCR0, PCR1: r.PCR1, PCR2: r.PCR2})
	}
	if h.Path != "" {
		// Terraform runs in cdktf.out/stacks/<stack>, three levels below the project.
		props.Repository, props.LocalChartPath = "", h.Path
		if !filepath.IsAbs(h.Path) {
			props.LocalChartPath = filepath.Join("..", "..", "..", h.Path)
		}
	}
	if len(h.Values) > 0 {
		extra, err := yaml.Marshal(h.Values)
		if err != nil {
			panic(fmt.Sprintf("%s: helm.values cannot be written as YAML: %v", b.env.File, err))
		}
		props.ExtraValues = string(extra)
	}
	for i := range b.env.Parties {
		q := &b.env.Parties[i]
		props.Peers = append(props.Peers, mpchelm.PeerHost{ID: q.ID, Host: b.peerHost(q), Port: b.env.Ports.Peer})
	}
	return props
}

// peerHost is the address every party uses for party q, and q's identity
// in the threshold protocol: q's first Elastic IP (KubeIP; one host per party, as the chart's peers list takes), or the in-namespace
// service name mpc-node-<id> (PrivateLink: the ExternalName service for a
// peer, the ClusterIP service in front of the NLB for the party itself).
// The same name on every party keeps the identities identical mesh-wide.
func (b *meshBuild) peerHost(q *config.Party) *string {
	if b.env.Strategy == config.KubeIP {
		// The chart's peers list takes one host per party, so a party with
		// several Elastic IPs is reached at its first. Firewalls and the
		// netcheck plan cover every address, so any of them can serve.
		return b.published[q.ID].PublicIPs[0]
	}
	return jsii.String(mesh.ServiceName(q.ID))
}

// databaseHost is the connector database's endpoint address, nil without RDS.
func databaseHost(l *partyLayer) *string {
	if l.db == nil {
		return nil
	}
	return l.db.EndpointAddress
}
