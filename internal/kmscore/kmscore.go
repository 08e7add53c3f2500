// Package kmscore is the contract with the kms-core Helm chart (version
// 1.9.1, published as oci://ghcr.io/zama-ai/kms/charts/kms-core) that runs a
// party's MPC services: the chart coordinates, the values document the app
// writes, the ConfigMap keys the chart's pods read, and every value path the
// chart knows. Everything that depends on the chart version lives in this
// package, so moving to another chart version is a change here only.
//
// What the chart does with the values written here (read from its templates):
//   - kmsPeers.id is the first StatefulSet ordinal and the threshold id
//     (KMS_CORE__THRESHOLD__MY_ID); kmsPeers.count is the replica count. One
//     release runs one party, so count is 1 and the pod is <release>-core-<id>.
//   - kmsCore.nitroEnclave.cpuCount and memoryGiB size the enclave
//     (enclave.json) and the pod's nitro_enclaves_cpus and hugepages-1Gi
//     requests; they must equal what the node's enclave allocator reserves.
//   - privateVault.s3.enabled stores key shares in S3 (else on a volume);
//     privateVault.awskms.enabled makes the pod read the root key id and spec
//     from the ConfigMap; with Nitro on, the enclave always uses that key.
//   - the vault bucket names come from the ConfigMap (envFrom); the prefixes
//     come from the values, except the backup vault's, read from the
//     ConfigMap like its bucket.
//   - backupVault.s3.enabled adds [backup_vault.storage.s3] to vaults.toml
//     and makes the pods read the backup bucket and prefix from the
//     ConfigMap; backupVault.awskms.enabled adds
//     [backup_vault.keychain.aws_kms] and makes them read the backup root
//     key id and spec from it. Both are written only with a backup.
package kmscore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Chart coordinates of the default release.
const (
	// Chart is the chart name inside Repository.
	Chart = "kms-core"
	// Repository is the OCI repository the chart is published in.
	Repository = "oci://ghcr.io/zama-ai/kms/charts"
	// Version is the chart version the values and checks of this package
	// are written for.
	Version = "1.9.1"
	// EnclaveImage is the kms-core image built for Nitro Enclaves. The
	// chart's own default is the non-enclave image.
	EnclaveImage = "hub.zama.org/ghcr/zama-ai/kms/core-service-enclave"
	// CoreSuffix is appended to the release name to name the StatefulSet,
	// its Services and its pods (<release>-core-<party id>).
	CoreSuffix = "-core"
	// PodAppLabel is the value of the "app" label on every kms-core pod.
	PodAppLabel = "kms-core"
)

// DefaultReleaseName is the release name of a party's MPC services:
// kms-threshold-<id>.
func DefaultReleaseName(partyID int) string { return fmt.Sprintf("kms-threshold-%d", partyID) }

// ConfigMap keys the kms-core pods read through envFrom, with the values
// written here. No other key of the party ConfigMap is read by the chart.
const (
	// KeyS3Endpoint is the public vault's HTTPS endpoint, read by the
	// pod's init container for the clients.
	KeyS3Endpoint = "CORE_CLIENT__S3_ENDPOINT"
	// KeyPrivateBucket is the private vault bucket name.
	KeyPrivateBucket = "KMS_CORE__PRIVATE_VAULT__STORAGE__S3__BUCKET"
	// KeyPublicBucket is the public vault bucket name.
	KeyPublicBucket = "KMS_CORE__PUBLIC_VAULT__STORAGE__S3__BUCKET"
	// KeyRootKeyID is the attested KMS key that wraps the private vault.
	KeyRootKeyID = "KMS_CORE__PRIVATE_VAULT__KEYCHAIN__AWS_KMS__ROOT_KEY_ID"
	// KeyRootKeySpec is that key's kind, RootKeySpecSymmetric.
	KeyRootKeySpec = "KMS_CORE__PRIVATE_VAULT__KEYCHAIN__AWS_KMS__ROOT_KEY_SPEC"
	// RootKeySpecSymmetric is the spec of a symmetric KMS root key.
	RootKeySpecSymmetric = "symm"
	// KeyBackupBucket is the backup vault bucket name.
	KeyBackupBucket = "KMS_CORE__BACKUP_VAULT__STORAGE__S3__BUCKET"
	// KeyBackupPrefix is the backup vault's object key prefix, BackupPrefix.
	KeyBackupPrefix = "KMS_CORE__BACKUP_VAULT__STORAGE__S3__PREFIX"
	// KeyBackupRootKeyID is the backup key (an ARN) the backup is encrypted to.
	KeyBackupRootKeyID = "KMS_CORE__BACKUP_VAULT__KEYCHAIN__AWS_KMS__ROOT_KEY_ID"
	// KeyBackupRootKeySpec is that key's kind, RootKeySpecAsymmetric.
	KeyBackupRootKeySpec = "KMS_CORE__BACKUP_VAULT__KEYCHAIN__AWS_KMS__ROOT_KEY_SPEC"
	// RootKeySpecAsymmetric is the spec of an asymmetric (RSA) KMS root key:
	// the services encrypt to its public half and decrypt through KMS.
	RootKeySpecAsymmetric = "asymm"
	// BackupPrefix is the backup vault's object key prefix: the layout MPC
	// operators' mainnet values use, so a backup restores whichever way the
	// party was deployed. The bucket belongs to one party, so no party id
	// is needed to keep parties apart.
	BackupPrefix = "backup"
)

// ConfigMapKeys are the keys the chart reads from the party ConfigMap with
// the values the app writes, in a stable order.
var ConfigMapKeys = []string{KeyS3Endpoint, KeyPrivateBucket, KeyPublicBucket, KeyRootKeyID, KeyRootKeySpec}

// BackupConfigMapKeys are the keys the chart reads with a backup vault.
var BackupConfigMapKeys = []string{KeyBackupBucket, KeyBackupPrefix, KeyBackupRootKeyID, KeyBackupRootKeySpec}

// Port names of kmsCore.ports.
const (
	PortClient  = "client"
	PortPeer    = "peer"
	PortMetrics = "metrics"
)

// PublicPrefix and PrivatePrefix are the object key prefixes of a party's
// vaults: PUB-p<id> and PRV-p<id>, the layout the chart's key-generation
// jobs look for and the one MPC operators use, so one bucket could hold
// several parties without collisions.
func PublicPrefix(partyID int) string { return fmt.Sprintf("PUB-p%d", partyID) }

// PrivatePrefix is the private vault's object key prefix, PRV-p<id>.
func PrivatePrefix(partyID int) string { return fmt.Sprintf("PRV-p%d", partyID) }

// Network tunnel sidecar resources. The chart asks for 8 CPUs (limit 16)
// for the parent-side tunnel, sized for hosts that keep 16 vCPUs outside a
// 48-CPU enclave; on the default m5.2xlarge the parent keeps 2 vCPUs and
// such a pod could never be scheduled. These fit beside the enclave.
const (
	TunnelCPURequest    = "500m"
	TunnelCPULimit      = "2"
	TunnelMemoryRequest = "256Mi"
	TunnelMemoryLimit   = "1Gi"
)

// Token is a string that may hold a cdktf token. It is always written
// double-quoted, so whatever Terraform substitutes (an IP, a name) stays a
// YAML string.
type Token string

// MarshalYAML writes the string as a double-quoted scalar.
func (t Token) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Tag: "!!str", Value: string(t)}, nil
}

// Values is the values document the app writes for one party's release.
type Values struct {
	KmsPeers struct {
		ID    int `yaml:"id"`
		Count int `yaml:"count"`
	} `yaml:"kmsPeers"`
	KmsCore Core `yaml:"kmsCore"`
}

// Core is the kmsCore block.
type Core struct {
	Enabled            bool  `yaml:"enabled"`
	Image              Image `yaml:"image"`
	ServiceAccountName Token `yaml:"serviceAccountName"`
	EnvFrom            struct {
		ConfigMap struct {
			Name Token `yaml:"name"`
		} `yaml:"configmap"`
	} `yaml:"envFrom"`
	AWS struct {
		Region  string `yaml:"region"`
		RoleARN Token  `yaml:"roleArn,omitempty"`
	} `yaml:"aws"`
	Ports         map[string]int `yaml:"ports"`
	ThresholdMode ThresholdMode  `yaml:"thresholdMode"`
	NitroEnclave  NitroEnclave   `yaml:"nitroEnclave"`
	PublicVault   struct {
		S3 S3Vault `yaml:"s3"`
	} `yaml:"publicVault"`
	PrivateVault struct {
		S3     S3Vault `yaml:"s3"`
		AWSKMS struct {
			Enabled bool `yaml:"enabled"`
		} `yaml:"awskms"`
	} `yaml:"privateVault"`
	// BackupVault is written only with a backup: absent, the chart's
	// default leaves both of its parts off.
	BackupVault  *BackupVault      `yaml:"backupVault,omitempty"`
	NodeSelector map[string]string `yaml:"nodeSelector,omitempty"`
	Tolerations  []Toleration      `yaml:"tolerations,omitempty"`
}

// BackupVault is kmsCore.backupVault: storage in S3, encrypted to an AWS KMS key.
type BackupVault struct {
	S3     S3Vault `yaml:"s3"`
	AWSKMS struct {
		Enabled     bool   `yaml:"enabled"`
		RootKeySpec string `yaml:"rootKeySpec"`
	} `yaml:"awskms"`
}

// Image is a container image reference split as the chart wants it.
type Image struct {
	Name string `yaml:"name"`
	Tag  string `yaml:"tag"`
}

// ThresholdMode is kmsCore.thresholdMode.
type ThresholdMode struct {
	Enabled        bool   `yaml:"enabled"`
	ThresholdValue int    `yaml:"thresholdValue"`
	PeersList      []Peer `yaml:"peersList"`
	TLS            struct {
		Enabled         bool             `yaml:"enabled"`
		TrustedReleases []TrustedRelease `yaml:"trustedReleases,omitempty"`
	} `yaml:"tls"`
}

// Peer is one entry of thresholdMode.peersList.
type Peer struct {
	ID   int   `yaml:"id"`
	Host Token `yaml:"host"`
	Port int   `yaml:"port"`
}

// TrustedRelease is one enclave release peers are trusted to run.
type TrustedRelease struct {
	PCR0 string `yaml:"pcr0"`
	PCR1 string `yaml:"pcr1"`
	PCR2 string `yaml:"pcr2"`
}

// NitroEnclave is kmsCore.nitroEnclave.
type NitroEnclave struct {
	Enabled       bool          `yaml:"enabled"`
	CPUCount      int           `yaml:"cpuCount,omitempty"`
	MemoryGiB     int           `yaml:"memoryGiB,omitempty"`
	NetworkTunnel *TunnelValues `yaml:"networkTunnel,omitempty"`
}

// TunnelValues sizes the enclave network tunnel sidecar.
type TunnelValues struct {
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

// S3Vault is a vault stored in an S3 bucket.
type S3Vault struct {
	Enabled bool   `yaml:"enabled"`
	Bucket  Token  `yaml:"bucket"`
	Prefix  string `yaml:"prefix"`
}

// Toleration is a pod toleration as the chart passes it through.
type Toleration struct {
	Key      string `yaml:"key"`
	Operator string `yaml:"operator"`
	Value    string `yaml:"value,omitempty"`
	Effect   string `yaml:"effect,omitempty"`
}

// Marshal renders the values document as YAML.
func (v *Values) Marshal() string {
	out, err := yaml.Marshal(v)
	if err != nil {
		// Every field is a plain Go value; encoding cannot fail.
		panic(err)
	}
	return string(out)
}

// OwnedValues are the value paths the app derives from the environment; an
// operator's extra values may not set them, because the typed field named
// here is the one place they come from.
var OwnedValues = map[string]string{
	"kmsPeers":                                  "the party id and one replica per release follow from the mesh",
	"kmsCore.enabled":                           "the release exists to run kms-core",
	"kmsCore.image.name":                        "set helm.image.name",
	"kmsCore.image.tag":                         "set helm.image.tag",
	"kmsCore.serviceAccountName":                "set kubernetes.service_account",
	"kmsCore.envFrom.configmap.name":            "set kubernetes.config_map",
	"kmsCore.aws":                               "the region and IRSA role follow from the party",
	"kmsCore.ports":                             "set ports at the top of the environment file",
	"kmsCore.thresholdMode.enabled":             "threshold mode is always on",
	"kmsCore.thresholdMode.thresholdValue":      "set threshold.value",
	"kmsCore.thresholdMode.peersList":           "the peers follow from parties",
	"kmsCore.thresholdMode.tls.enabled":         "set peer_tls.enabled",
	"kmsCore.thresholdMode.tls.trustedReleases": "set peer_tls.trusted_releases",
	"kmsCore.nitroEnclave.enabled":              "Nitro enclaves are always on",
	"kmsCore.nitroEnclave.cpuCount":             "set enclave.cpu_count",
	"kmsCore.nitroEnclave.memoryGiB":            "set enclave.memory_mib",
	"kmsCore.publicVault":                       "the public vault is the party's public bucket",
	"kmsCore.privateVault":                      "the private vault is the party's private bucket and attested key",
	"kmsCore.backupVault":                       "set backup: the backup vault is the party's backup bucket and backup key",
	"kmsCore.nodeSelector":                      "kms-core runs on the party's enclave node group",
	"kmsCore.tolerations":                       "kms-core runs on the party's enclave node group",
}

// known is the set of value paths of the chart.
var known = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(valuePaths) {
		m[p] = true
	}
	return m
}()

// KnownPaths returns every value path of the chart, sorted.
func KnownPaths() []string {
	res := make([]string, 0, len(known))
	for p := range known {
		res = append(res, p)
	}
	sort.Strings(res)
	return res
}

// Owned returns why the app sets a dotted value path itself (the path or
// a map above it), and whether it does.
func Owned(path string) (why string, owned bool) {
	parts := strings.Split(path, ".")
	for i := len(parts); i >= 1; i-- {
		if why, ok := OwnedValues[strings.Join(parts[:i], ".")]; ok {
			return why, true
		}
	}
	return "", false
}

// Known reports whether the chart reads a dotted value path, or a
// free-form map above it.
func Known(path string) bool {
	parts := strings.Split(path, ".")
	for i := len(parts); i >= 1; i-- {
		if known[strings.Join(parts[:i], ".")] {
			return true
		}
	}
	return false
}

// valuePaths lists every value path kms-core 1.9.1 reads: the leaves of its
// values.yaml and every .Values reference of its templates, without the
// intermediate maps. A path below one of these (for example a key inside
// kmsCore.nodeSelector) belongs to a free-form map and is accepted too.
// Regenerate it when the chart version changes; the chart contract test
// fails while it disagrees with the chart it renders.
const valuePaths = `
containerSecurityContext.allowPrivilegeEscalation
containerSecurityContext.capabilities.drop
containerSecurityContext.privileged
grpcHeathProbe.image.name
grpcHeathProbe.image.pullPolicy
grpcHeathProbe.image.tag
kmsCore.addressOverride
kmsCore.affinity
kmsCore.aws.region
kmsCore.aws.roleArn
kmsCore.backupVault.awskms.enabled
kmsCore.backupVault.awskms.rootKeyId
kmsCore.backupVault.awskms.rootKeySpec
kmsCore.backupVault.s3.bucket
kmsCore.backupVault.s3.enabled
kmsCore.backupVault.s3.prefix
kmsCore.custodianBackup
kmsCore.enabled
kmsCore.envFrom.configmap.key.backupVaultKeychainAWSKMSRootKeyID
kmsCore.envFrom.configmap.key.backupVaultKeychainAWSKMSRootKeySpec
kmsCore.envFrom.configmap.key.backupVaultStorageBucket
kmsCore.envFrom.configmap.key.backupVaultStoragePrefix
kmsCore.envFrom.configmap.key.coreClientS3Endpoint
kmsCore.envFrom.configmap.key.privateVaultKeychainAWSKMSRootKeyID
kmsCore.envFrom.configmap.key.privateVaultKeychainAWSKMSRootKeySpec
kmsCore.envFrom.configmap.key.privateVaultStorageBucket
kmsCore.envFrom.configmap.key.privateVaultStoragePrefix
kmsCore.envFrom.configmap.key.publicVaultStorageBucket
kmsCore.envFrom.configmap.key.publicVaultStoragePrefix
kmsCore.envFrom.configmap.key.thresholdId
kmsCore.envFrom.configmap.name
kmsCore.image.name
kmsCore.image.pullPolicy
kmsCore.image.tag
kmsCore.livenessProbe.failureThreshold
kmsCore.livenessProbe.initialDelaySeconds
kmsCore.livenessProbe.timeoutSeconds
kmsCore.metricsLabels
kmsCore.migration.contextAssociations
kmsCore.nameOverride
kmsCore.nitroEnclave.cid
kmsCore.nitroEnclave.cpuCount
kmsCore.nitroEnclave.eifPath
kmsCore.nitroEnclave.eifSignKey
kmsCore.nitroEnclave.enabled
kmsCore.nitroEnclave.groupId
kmsCore.nitroEnclave.memoryGiB
kmsCore.nitroEnclave.networkTunnel.enabled
kmsCore.nitroEnclave.networkTunnel.enclaveAddress
kmsCore.nitroEnclave.networkTunnel.interfaceName
kmsCore.nitroEnclave.networkTunnel.parentAddress
kmsCore.nitroEnclave.networkTunnel.queueCount
kmsCore.nitroEnclave.networkTunnel.resources.limits.cpu
kmsCore.nitroEnclave.networkTunnel.resources.limits.memory
kmsCore.nitroEnclave.networkTunnel.resources.requests.cpu
kmsCore.nitroEnclave.networkTunnel.resources.requests.memory
kmsCore.nitroEnclave.networkTunnel.subnet
kmsCore.nitroEnclave.networkTunnel.tokioWorkerThreads
kmsCore.nitroEnclave.signed
kmsCore.nitroEnclave.userId
kmsCore.nitroEnclave.webIdentityTokenPort
kmsCore.nodeSelector
kmsCore.ports.client
kmsCore.ports.metrics
kmsCore.ports.peer
kmsCore.privateVault.awskms.enabled
kmsCore.privateVault.awskms.rootKeyId
kmsCore.privateVault.awskms.rootKeySpec
kmsCore.privateVault.s3.bucket
kmsCore.privateVault.s3.enabled
kmsCore.privateVault.s3.prefix
kmsCore.publicVault.s3.bucket
kmsCore.publicVault.s3.enabled
kmsCore.publicVault.s3.path
kmsCore.publicVault.s3.prefix
kmsCore.rateLimiter.bucketSize
kmsCore.readinessProbe.failureThreshold
kmsCore.readinessProbe.initialDelaySeconds
kmsCore.readinessProbe.periodSeconds
kmsCore.resources.limits.ephemeralStorage
kmsCore.resources.limits.grpcMaxMessageSize
kmsCore.resources.limits.grpcTimeout
kmsCore.resources.limits.memory
kmsCore.resources.requests.cpu
kmsCore.resources.requests.memory
kmsCore.serviceAccountName
kmsCore.serviceMonitor.enabled
kmsCore.serviceMonitor.metricNamePrefix
kmsCore.startupProbe.failureThreshold
kmsCore.startupProbe.initialDelaySeconds
kmsCore.startupProbe.periodSeconds
kmsCore.storage.capacity
kmsCore.storage.storageClassName
kmsCore.thresholdMode.decCapacity
kmsCore.thresholdMode.decryptionMode
kmsCore.thresholdMode.enableSysMetrics
kmsCore.thresholdMode.enabled
kmsCore.thresholdMode.initialIntervalMs
kmsCore.thresholdMode.maxElapsedTime
kmsCore.thresholdMode.maxInterval
kmsCore.thresholdMode.maxOpenedInactiveSessionsPerParty
kmsCore.thresholdMode.minDecCache
kmsCore.thresholdMode.multiplier
kmsCore.thresholdMode.networkTimeout
kmsCore.thresholdMode.numSessionsPreproc
kmsCore.thresholdMode.peersList
kmsCore.thresholdMode.rayonNumThreads
kmsCore.thresholdMode.refreshIntervalMs
kmsCore.thresholdMode.thresholdValue
kmsCore.thresholdMode.tls.attestPrivateVaultRootKey
kmsCore.thresholdMode.tls.ca_certificate.path
kmsCore.thresholdMode.tls.certificate.path
kmsCore.thresholdMode.tls.enabled
kmsCore.thresholdMode.tls.privateKey.path
kmsCore.thresholdMode.tls.trustedReleases
kmsCore.thresholdMode.tokioWorkerThreads
kmsCore.tolerations
kmsCore.workdir
kmsCoreClient.affinity
kmsCoreClient.decryption_mode
kmsCoreClient.enabled
kmsCoreClient.envFrom.configmap.name
kmsCoreClient.envFrom.configmap.privateVaultStorageKey
kmsCoreClient.envFrom.configmap.publicVaultStorageKey
kmsCoreClient.fhe_parameter
kmsCoreClient.image.name
kmsCoreClient.image.tag
kmsCoreClient.nameOverride
kmsCoreClient.nodeSelector
kmsCoreClient.num_majority
kmsCoreClient.num_reconstruct
kmsCoreClient.resources.limits.cpu
kmsCoreClient.resources.limits.memory
kmsCoreClient.resources.requests.cpu
kmsCoreClient.resources.requests.memory
kmsCoreClient.tolerations
kmsCoreClientTesting.enabled
kmsCoreClientTesting.nameOverride
kmsCoreClientTesting.resources.limits.cpu
kmsCoreClientTesting.resources.limits.memory
kmsCoreClientTesting.resources.requests.cpu
kmsCoreClientTesting.resources.requests.memory
kmsCoreClientTesting.schedule
kmsCoreClientTesting.shell_command
kmsCoreClientTesting.storage.capacity
kmsCoreClientTesting.storage.storageClassName
kmsGenCertAndKeys.enabled
kmsGenCertAndKeys.nameOverride
kmsGenKeys.affinity
kmsGenKeys.configmap.annotations
kmsGenKeys.configmap.name
kmsGenKeys.crsGenArgs
kmsGenKeys.enabled
kmsGenKeys.forceRecreate
kmsGenKeys.keyGenArgs
kmsGenKeys.nameOverride
kmsGenKeys.nodeSelector
kmsGenKeys.resources
kmsGenKeys.tolerations
kmsInit.affinity
kmsInit.enabled
kmsInit.nameOverride
kmsInit.nodeSelector
kmsInit.timeoutSeconds
kmsInit.tolerations
kmsPeers.count
kmsPeers.id
kubectl.image.name
kubectl.image.pullPolicy
kubectl.image.tag
kyverno.enabled
minio.enabled
minio.endpoint
minio.password
minio.username
mtls.enabled
podAnnotations
podSecurityContext.fsGroup
podSecurityContext.runAsGroup
podSecurityContext.runAsNonRoot
podSecurityContext.runAsUser
podSecurityContextForEnclave.fsGroup
podSecurityContextForEnclave.supplementalGroups
runMode
rustLog
socat.image.name
socat.image.pullPolicy
socat.image.tag
tracing.enabled
tracing.endpoint
tracing.otlp_timeout_ms
`

// EnclaveContainer is the name of the kms-core container when Nitro
// enclaves are on; its ports are the MPC ports.
const EnclaveContainer = "kms-core-enclave"

// BindHostPorts rewrites a release's rendered manifests so that the
// kms-core container of StatefulSet <release>-core binds each of the given
// ports on its node as well (hostPort = containerPort). The chart has no
// setting for it, and under KubeIP peers dial the node's Elastic IP, so
// without host ports nothing would answer them. Every other object is
// written back unchanged in content. It fails when the StatefulSet or one
// of the ports is missing, so a chart change cannot silently undo it.
func BindHostPorts(manifests []byte, release string, ports []int) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(manifests))
	var docs []*yaml.Node
	bound := map[int]bool{}
	found := false
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("rendered manifests are not YAML: %w", err)
		}
		if isCoreStatefulSet(&doc, release+CoreSuffix) {
			found = true
			for _, c := range seq(at(&doc, "spec", "template", "spec", "containers")) {
				if scalar(at(c, "name")) != EnclaveContainer {
					continue
				}
				for _, p := range seq(at(c, "ports")) {
					n, err := strconv.Atoi(scalar(at(p, "containerPort")))
					if err != nil || !slices.Contains(ports, n) {
						continue
					}
					setScalar(p, "hostPort", strconv.Itoa(n), "!!int")
					bound[n] = true
				}
			}
		}
		docs = append(docs, &doc)
	}
	if !found {
		return nil, fmt.Errorf("no StatefulSet %s%s in the rendered release", release, CoreSuffix)
	}
	for _, p := range ports {
		if !bound[p] {
			return nil, fmt.Errorf("container %s of %s%s has no port %d to bind on the node", EnclaveContainer, release, CoreSuffix, p)
		}
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func isCoreStatefulSet(doc *yaml.Node, name string) bool {
	return scalar(at(doc, "kind")) == "StatefulSet" && scalar(at(doc, "metadata", "name")) == name
}

// at walks mapping keys from a document or mapping node; nil when absent.
func at(n *yaml.Node, keys ...string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// setScalar sets key to a scalar value in a mapping node.
func setScalar(m *yaml.Node, key, value, tag string) {
	if v := at(m, key); v != nil {
		v.Kind, v.Tag, v.Value = yaml.ScalarNode, tag, value
		return
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value})
}
