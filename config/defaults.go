package config

import (
	"fmt"
	"sort"

	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/internal/nodedefaults"
	"github.com/mpc-mesh/infra/internal/trust"
)

// Defaults that a typical party leaves out. Each is documented on its field.
const (
	DefaultGRPCPort        = mesh.GRPCPort
	DefaultPeerPort        = mesh.PeerPort
	DefaultMetricsPort     = mesh.MetricsPort
	DefaultNamespace       = "kms-decentralized"
	DefaultConfigMap       = "mpc-party"
	DefaultInstanceType    = nodedefaults.InstanceType
	DefaultAMIType         = nodedefaults.AMIType
	DefaultDiskSizeGiB     = nodedefaults.DiskSizeGiB
	DefaultHelmChart       = kmscore.Chart
	DefaultHelmRepository  = kmscore.Repository
	DefaultHelmVersion     = kmscore.Version
	DefaultHelmImage       = kmscore.EnclaveImage
	DefaultHelmTimeout     = 900
	DefaultKubeIPNamespace = "kube-system"
	DefaultS3KeyPrefix     = "mpc-mesh"
	DefaultDNSDomain       = "mpc.internal"
	// DefaultBackupNoncurrentVersionDays keeps old backup versions a year.
	DefaultBackupNoncurrentVersionDays = 365
)

// DefaultAllowedRegions are the regions each network kind admits unless an
// environment sets allowed_regions.
var DefaultAllowedRegions = map[NetworkKind][]string{
	Testnet: {"eu-west-1", "eu-west-3", "eu-central-1", "us-east-1", "us-west-2"},
	Mainnet: {"eu-central-1", "eu-west-1"},
}

// known reports whether k is one of the network kinds of DefaultAllowedRegions.
func (k NetworkKind) known() bool {
	_, ok := DefaultAllowedRegions[k]
	return ok
}

// networkNames are the network kinds, sorted, for error messages.
func networkNames() []string {
	var res []string
	for k := range DefaultAllowedRegions {
		res = append(res, string(k))
	}
	sort.Strings(res)
	return res
}

func applyDefaults(env *Environment) {
	if env.Network == "" {
		env.Network = Testnet
	}
	if len(env.AllowedRegions) == 0 {
		env.AllowedRegions = DefaultAllowedRegions[env.Network]
	}
	p := &env.Ports
	p.GRPC = orInt(p.GRPC, DefaultGRPCPort)
	p.Peer = orInt(p.Peer, DefaultPeerPort)
	p.Metrics = orInt(p.Metrics, DefaultMetricsPort)
	// Peers talk on the peer port only; the gRPC client port stays inside
	// the party unless an environment chooses to publish it.
	p.ExposeGRPC = orBool(p.ExposeGRPC, false)
	if s3 := env.Backend.S3; s3 != nil {
		s3.KeyPrefix = orString(s3.KeyPrefix, DefaultS3KeyPrefix)
		s3.Locking = orString(s3.Locking, "lockfile")
	}
	if env.Threshold.Parties == 0 {
		env.Threshold.Parties = len(env.Parties)
	}
	env.PeerTLS.Enabled = orBool(env.PeerTLS.Enabled, env.Network == Mainnet)
	if n := env.Threshold.Parties; env.Threshold.Value == 0 && n >= 1 && n <= maxParties {
		// Outside that range threshold.parties is reported and t is unused;
		// n-1 could also wrap around.
		env.Threshold.Value = (n - 1) / 3
	}
	for i := range env.Parties {
		p := &env.Parties[i]
		p.SyncCA = orBool(p.SyncCA, true)
		if m := p.Managed; m != nil {
			defaultManaged(env, p, m)
		}
		if x := p.External; x != nil && x.PublicVault != nil {
			x.PublicVault.Region = orString(x.PublicVault.Region, p.Region)
		}
	}
}

func defaultManaged(env *Environment, party *Party, m *Managed) {
	ng := &m.NodeGroup
	if len(ng.InstanceTypes) == 0 {
		ng.InstanceTypes = []string{DefaultInstanceType}
	}
	ng.MinSize = orInt(ng.MinSize, nodedefaults.MinSize)
	ng.MaxSize = orInt(ng.MaxSize, max(nodedefaults.MaxSize, ng.MinSize))
	ng.DesiredSize = orInt(ng.DesiredSize, ng.MinSize)
	ng.DiskSizeGiB = orInt(ng.DiskSizeGiB, DefaultDiskSizeGiB)
	ng.CapacityType = orString(ng.CapacityType, nodedefaults.CapacityType)
	if ng.AMIID == "" {
		// A custom AMI has no EKS AMI type.
		ng.AMIType = orString(ng.AMIType, DefaultAMIType)
	}
	if ng.MaxUnavailablePercentage == 0 {
		ng.MaxUnavailable = orInt(ng.MaxUnavailable, nodedefaults.MaxUnavailable)
	}
	defaultEnclaveSize(m)
	m.KMS.DeletionWindowDays = orInt(m.KMS.DeletionWindowDays, 30)
	m.Vault.BucketPrefix = orString(m.Vault.BucketPrefix, fmt.Sprintf("mpc-%s-%s-%s", env.Name, party.Name, party.AccountID))
	m.Vault.PreventDestroy = orBool(m.Vault.PreventDestroy, env.Network == Mainnet)
	m.Vault.NoncurrentVersionDays = orInt(m.Vault.NoncurrentVersionDays, 90)
	m.Backup.Enabled = orBool(m.Backup.Enabled, env.Network == Mainnet)
	m.Backup.NoncurrentVersionDays = orInt(m.Backup.NoncurrentVersionDays, DefaultBackupNoncurrentVersionDays)
	m.Backup.PreventDestroy = orBool(m.Backup.PreventDestroy, env.Network == Mainnet)
	k := &m.Kubernetes
	k.Namespace = orString(k.Namespace, DefaultNamespace)
	k.CreateNamespace = orBool(k.CreateNamespace, true)
	k.ServiceAccount = orString(k.ServiceAccount, fmt.Sprintf("mpc-party-%d", party.ID))
	k.ConfigMap = orString(k.ConfigMap, DefaultConfigMap)
	r := &m.RDS
	r.EngineVersion = orString(r.EngineVersion, "17.2")
	r.InstanceClass = orString(r.InstanceClass, "db.t4g.medium")
	r.DBName = orString(r.DBName, "kmsconnector")
	r.Port = orInt(r.Port, 5432)
	r.DeletionProtection = orBool(r.DeletionProtection, env.Network == Mainnet)
	r.AllocatedStorageGiB = orInt(r.AllocatedStorageGiB, 50)
	r.MaxAllocatedStorageGiB = orInt(r.MaxAllocatedStorageGiB, max(100, r.AllocatedStorageGiB))
	r.BackupRetentionDays = orInt(r.BackupRetentionDays, 7)
	if r.Parameters == nil {
		r.Parameters = map[string]string{"rds.force_ssl": "1"}
	}
	h := &m.Helm
	h.ReleaseName = orString(h.ReleaseName, kmscore.DefaultReleaseName(party.ID))
	h.Chart = orString(h.Chart, DefaultHelmChart)
	if h.Path == "" {
		h.Repository = orString(h.Repository, DefaultHelmRepository)
		h.Version = orString(h.Version, DefaultHelmVersion)
	}
	h.Image.Name = orString(h.Image.Name, DefaultHelmImage)
	h.Wait = orBool(h.Wait, true)
	h.Atomic = orBool(h.Atomic, true)
	h.TimeoutSeconds = orInt(h.TimeoutSeconds, DefaultHelmTimeout)
	m.KubeIP.Namespace = orString(m.KubeIP.Namespace, DefaultKubeIPNamespace)
	m.KubeIP.LogLevel = orString(m.KubeIP.LogLevel, "info")
	m.KubeIP.Addresses = orInt(m.KubeIP.Addresses, 1)
	m.PrivateLink.DNSDomain = orString(m.PrivateLink.DNSDomain, DefaultDNSDomain)
	m.TrustSync.Schedule = orString(m.TrustSync.Schedule, trust.DefaultSchedule)
	m.PrivateLink.DeletionProtection = orBool(m.PrivateLink.DeletionProtection, env.Network == Mainnet)
	dp := &m.DevicePlugin
	dp.Enabled = orBool(dp.Enabled, true)
	dp.Image = orString(dp.Image, nodedefaults.DevicePluginImage)
	res := &dp.Resources
	res.Limits.CPU = orString(res.Limits.CPU, nodedefaults.DevicePluginCPULimit)
	res.Limits.Memory = orString(res.Limits.Memory, nodedefaults.DevicePluginMemoryLimit)
	res.Requests.CPU = orString(res.Requests.CPU, nodedefaults.DevicePluginCPURequest)
	res.Requests.Memory = orString(res.Requests.Memory, nodedefaults.DevicePluginMemoryRequest)
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orBool(v *bool, def bool) *bool {
	if v == nil {
		return &def
	}
	return v
}
