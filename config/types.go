// Package config is the typed description of an MPC mesh environment: one
// YAML file per environment under config/environments/, loaded strictly,
// completed with documented defaults and validated as a whole before any
// construct runs. Every error names the file, the field path, the bad value
// and the fix; all errors of a run are reported together.
package config

// Strategy is how parties reach each other.
type Strategy string

// The two networking strategies.
const (
	// KubeIP: every party publishes a tagged Elastic IP that the KubeIP agent
	// binds to its enclave node; firewalls admit exactly the peers' /32s.
	KubeIP Strategy = "kubeip"
	// PrivateLink: every party publishes an NLB as a VPC endpoint service;
	// peers reach it through interface endpoints.
	PrivateLink Strategy = "privatelink"
)

// NetworkKind is the MPC network an environment belongs to; it decides the
// regions parties may run in.
type NetworkKind string

// The two network kinds.
const (
	Testnet NetworkKind = "testnet"
	Mainnet NetworkKind = "mainnet"
)

// Environment is one environment file: the whole mesh as this app sees it.
type Environment struct {
	// Name of the environment; the first part of every stack name
	// (<env>-<party>-<layer>). Default: the file name without ".yaml".
	// Rule: equals the file name without ".yaml"; a DNS label (lowercase
	// letters, digits, hyphens) of at most 24 characters.
	Name string `yaml:"name"`
	// Strategy is how parties reach each other. Default: none, required.
	// Rule: "kubeip" or "privatelink".
	Strategy Strategy `yaml:"strategy"`
	// Network is the MPC network the environment belongs to; it chooses the
	// default region allow-list and whether buckets resist destruction.
	// Default: "testnet". Rule: "testnet" or "mainnet".
	Network NetworkKind `yaml:"network"`
	// AllowedRegions replaces the network's default region allow-list.
	// Default: testnet eu-west-1, eu-west-3, eu-central-1, us-east-1,
	// us-west-2; mainnet eu-central-1, eu-west-1. Rule: AWS region names;
	// every party's region must be in the list.
	AllowedRegions []string `yaml:"allowed_regions"`
	// Ports are the MPC ports, identical on every party.
	Ports Ports `yaml:"ports"`
	// Tags are applied to every AWS resource through the provider's default
	// tags, with the mpc: tags the stacks add (those win on a clash).
	// Default: none. Rule: keys of 1-128 letters, digits, spaces and
	// _ . : / = + - @, not starting with "aws:"; values of at most 256 such
	// characters.
	Tags map[string]string `yaml:"tags"`
	// Backend says where Terraform state is stored. Default: local files
	// under terraform-state/.
	Backend Backend `yaml:"backend"`
	// Threshold holds the parameters of the threshold protocol.
	Threshold Threshold `yaml:"threshold"`
	// PeerTLS secures the traffic between the parties' MPC services.
	PeerTLS PeerTLS `yaml:"peer_tls"`
	// Parties lists every party of the mesh, managed or external.
	// Rule: at least two, at least one of them managed.
	Parties []Party `yaml:"parties"`

	// File is the path the environment was loaded from (not a YAML field).
	File string `yaml:"-"`
}

// Ports are the MPC ports. Zero values take the defaults.
type Ports struct {
	// GRPC is the client gRPC port. Default: 50100. Rule: 1 to 65535,
	// different from the other MPC ports.
	GRPC int `yaml:"grpc"`
	// Peer is the threshold peer-to-peer port. Default: 50001. Rule: 1 to
	// 65535, different from the other MPC ports.
	Peer int `yaml:"peer"`
	// Metrics is the Prometheus metrics port. Default: 9646. Rule: 1 to
	// 65535, different from the other MPC ports.
	Metrics int `yaml:"metrics"`
	// ExposeGRPC publishes the gRPC port to peers (firewall rules, NLB
	// listeners and target groups, endpoints, the netcheck plan); when false
	// only the peer and metrics ports are published. Peers never call the
	// gRPC port, so it stays private unless asked for. Default: false.
	// Rule: a boolean.
	ExposeGRPC *bool `yaml:"expose_grpc"`
}

// Backend says where Terraform state lives.
type Backend struct {
	// S3, when set, stores every stack's state, encrypted, in an S3 bucket at
	// <key_prefix>/<env>/<party>/<layer>.tfstate. Default: absent, and state
	// is kept in local files under terraform-state/ (relative to the project).
	S3 *S3Backend `yaml:"s3"`
}

// S3Backend is remote state in S3.
type S3Backend struct {
	// Bucket holding the state. Default: none, required. Rule: a valid S3
	// bucket name (3-63 lowercase letters, digits and hyphens).
	Bucket string `yaml:"bucket"`
	// Region of the bucket. Default: none, required. Rule: an AWS region name.
	Region string `yaml:"region"`
	// KeyPrefix is prepended to every state key. Default: "mpc-mesh".
	// Rule: a relative prefix (no leading "/", no "..").
	KeyPrefix string `yaml:"key_prefix"`
	// Profile is the AWS profile used to reach the bucket. Default: none
	// (ambient credentials). Rule: none.
	Profile string `yaml:"profile"`
	// Locking is how state is locked: "lockfile" is the S3 native lock file
	// (Terraform >= 1.10), "dynamodb" a DynamoDB lock table.
	// Default: "lockfile". Rule: "lockfile" or "dynamodb".
	Locking string `yaml:"locking"`
	// DynamoDBTable is the lock table. Default: none. Rule: required when
	// locking is "dynamodb".
	DynamoDBTable string `yaml:"dynamodb_table"`
}

// Threshold holds the threshold-protocol parameters the MPC services need.
type Threshold struct {
	// Parties is the number of parties of the whole MPC network
	// (kmsPeers.count), which may exceed the parties listed in this file;
	// party ids run from 1 to this number. Default: the number of listed
	// parties. Rule: 4 to 100, and at least the number of listed parties.
	Parties int `yaml:"parties"`
	// Value is the threshold t: the number of corrupted parties tolerated.
	// Default: the largest allowed t, (parties - 1) / 3 rounded down.
	// Rule: 1 <= t and 3t < parties.
	Value int `yaml:"value"`
}

// PeerTLS is mutual TLS between the enclaves of the mesh: each enclave
// presents an attested, ephemeral certificate and accepts a peer only when
// the peer's attestation matches one of the trusted releases.
type PeerTLS struct {
	// Enabled turns peer TLS on in every managed party's MPC services.
	// Default: true on mainnet, false on testnet (a test network may run
	// images whose measurements are not yet published). Rule: when true,
	// trusted_releases lists at least one release.
	Enabled *bool `yaml:"enabled"`
	// TrustedReleases are the enclave releases peers may run, each by its
	// PCR0, PCR1 and PCR2 (nitro-cli describe-eif prints them). List the
	// running release and the next one during an upgrade. Default: none.
	// Rule: each value 96 hexadecimal characters; no release listed twice.
	TrustedReleases []TrustedRelease `yaml:"trusted_releases"`
}

// TrustedRelease is one enclave image release, by its measurements.
type TrustedRelease struct {
	// PCR0 is the enclave image measurement. Default: none, required.
	// Rule: 96 hexadecimal characters.
	PCR0 string `yaml:"pcr0"`
	// PCR1 is the kernel and boot measurement. Default: none, required.
	// Rule: 96 hexadecimal characters.
	PCR1 string `yaml:"pcr1"`
	// PCR2 is the application measurement. Default: none, required.
	// Rule: 96 hexadecimal characters.
	PCR2 string `yaml:"pcr2"`
}

// Party is one party of the mesh. Exactly one of Managed and External is set.
type Party struct {
	// ID is the numeric party id. Default: none, required. Rule: unique,
	// from 1 to threshold.parties.
	ID int `yaml:"id"`
	// Name is the party's short name, part of stack and resource names.
	// Default: none, required. Rule: unique; a DNS label (lowercase letters,
	// digits, hyphens) of at most 20 characters; the names derived from it
	// (buckets, IAM roles, node group, target groups, stacks) must fit their
	// AWS limits.
	Name string `yaml:"name"`
	// AccountID is the party's AWS account id. Default: none, required.
	// Rule: 12 digits, quoted so YAML keeps leading zeros.
	AccountID string `yaml:"account_id"`
	// Region is the party's AWS region. Default: none, required. Rule: an
	// AWS region name listed in allowed_regions.
	Region string `yaml:"region"`
	// Managed describes a party whose infrastructure this app builds.
	// Rule: exactly one of managed and external.
	Managed *Managed `yaml:"managed"`
	// External describes a party run by another organisation, known only by
	// what it publishes. Rule: exactly one of managed and external.
	External *External `yaml:"external"`
	// SyncCA makes the managed parties of this file whose managed.trust_sync
	// is enabled copy this party's CA certificate (PUB-p<id>/CACert/) from
	// its public vault into theirs. Set false for a peer whose certificate
	// reaches you another way. Default: true. Rule: a boolean.
	SyncCA *bool `yaml:"sync_ca"`
}

// External is what another organisation publishes about its party: exactly
// the block that `peers export` prints.
type External struct {
	// PublicIP is the party's Elastic IP when it publishes one (kubeip
	// strategy). Default: none. Rule: in a kubeip environment exactly one of
	// public_ip and public_ips is required; forbidden in a privatelink one;
	// a public IPv4 address (not private, loopback, multicast or
	// link-local) that no other party claims.
	PublicIP string `yaml:"public_ip" json:"public_ip,omitempty"`
	// PublicIPs are the party's Elastic IPs when it publishes several, one
	// per enclave node (kubeip strategy); every peer admits and reaches each
	// of them. Default: none. Rule: in a kubeip environment exactly one of
	// public_ip and public_ips is required; forbidden in a privatelink one;
	// 1 to 5 addresses, each as for public_ip, listed once.
	PublicIPs []string `yaml:"public_ips" json:"public_ips,omitempty"`
	// EndpointServiceName is the party's VPC endpoint service name
	// (privatelink strategy). Default: none. Rule: required in a privatelink
	// environment, forbidden in a kubeip one;
	// com.amazonaws.vpce.<region>.vpce-svc-<17 hex> in the party's region,
	// claimed by no other party.
	EndpointServiceName string `yaml:"endpoint_service_name" json:"endpoint_service_name,omitempty"`
	// AvailabilityZoneIDs are the AZ ids of the party's NLB; a same-region
	// endpoint to it is placed in the private subnets of those zones
	// (privatelink strategy). Default: none, and every private subnet is
	// used. Rule: AZ ids such as euw1-az1; forbidden in a kubeip environment.
	AvailabilityZoneIDs []string `yaml:"availability_zone_ids" json:"availability_zone_ids,omitempty"`
	// PublicVault is the party's public vault bucket, where its MPC services
	// publish its CA certificate (PUB-p<id>/CACert/cert.pem). Default: none.
	// Rule: required when a managed party of the file enables trust_sync and
	// this party's sync_ca is not false.
	PublicVault *PublicVault `yaml:"public_vault" json:"public_vault,omitempty"`
}

// PublicVault locates a party's public vault bucket.
type PublicVault struct {
	// Bucket is the bucket name. Default: none, required. Rule: a valid S3
	// bucket name (3-63 lowercase letters, digits and hyphens).
	Bucket string `yaml:"bucket" json:"bucket"`
	// Region is the bucket's region. Default: the party's region. Rule: an
	// AWS region name.
	Region string `yaml:"region" json:"region,omitempty"`
}

// Addresses are the Elastic IPs the party publishes: public_ips, or
// public_ip alone; none outside the kubeip strategy.
func (x *External) Addresses() []string {
	if len(x.PublicIPs) > 0 {
		return x.PublicIPs
	}
	if x.PublicIP != "" {
		return []string{x.PublicIP}
	}
	return nil
}

// Managed is the full description of a party this app deploys.
type Managed struct {
	// AWSProfile is the AWS CLI profile every stack of this party uses.
	// Default: none (ambient credentials). Rule: none.
	AWSProfile string `yaml:"aws_profile"`
	// ClusterName is the party's existing EKS cluster. Default: none,
	// required. Rule: 1-100 letters, digits, hyphens and underscores,
	// starting with a letter or digit; no other party of the file deploys to
	// the same cluster in the same account and region.
	ClusterName string `yaml:"cluster_name"`
	// Subnets chooses the subnets the party's resources go in.
	Subnets Subnets `yaml:"subnets"`
	// NodeGroup sizes the dedicated enclave node group.
	NodeGroup NodeGroup `yaml:"nodegroup"`
	// Enclave configures the Nitro enclave and the attested KMS key.
	Enclave Enclave `yaml:"enclave"`
	// KMS configures administration of the party's keys.
	KMS KMS `yaml:"kms"`
	// IAM overrides the names of the party's IRSA roles.
	IAM IAMNames `yaml:"iam"`
	// Vault configures the key-material buckets.
	Vault Vault `yaml:"vault"`
	// Backup keeps an encrypted copy of the party's key material in a
	// bucket replicated to a second region, under a multi-region key.
	Backup Backup `yaml:"backup"`
	// Kubernetes names the party's Kubernetes objects.
	Kubernetes Kubernetes `yaml:"kubernetes"`
	// RDS is the optional PostgreSQL database of the connector.
	RDS RDS `yaml:"rds"`
	// Helm is the release of the MPC services.
	Helm Helm `yaml:"helm"`
	// KubeIP configures the KubeIP agent (kubeip strategy only).
	KubeIP KubeIPAgent `yaml:"kubeip"`
	// PrivateLink configures the endpoint service and endpoints (privatelink strategy only).
	PrivateLink PrivateLinkOptions `yaml:"privatelink"`
	// Firewall adds operator-chosen sources to the party's MPC firewall (kubeip strategy only).
	Firewall Firewall `yaml:"firewall"`
	// NetCheck runs the connectivity probe as a Kubernetes Job.
	NetCheck NetCheck `yaml:"netcheck"`
	// TrustSync copies the peers' CA certificates into the party's public
	// vault on a schedule.
	TrustSync TrustSync `yaml:"trust_sync"`
	// DevicePlugin is the Nitro Enclaves device plugin DaemonSet.
	DevicePlugin DevicePlugin `yaml:"device_plugin"`
	// Connector gives the KMS connector its own identity and signing key.
	Connector Connector `yaml:"connector"`
}

// Connector is what the KMS connector (deployed by its own chart) needs
// from the party's infrastructure: a ServiceAccount
// <kubernetes.service_account>-connector bound to its own IRSA role
// (iam.connector_role_name), and a secp256k1 transaction-signing KMS key
// (or kms.tx_sender_key_arn) whose id the party ConfigMap carries as
// KMS_CONNECTOR__TX_SENDER_AWS_KMS_KEY_ID.
type Connector struct {
	// Enabled creates the connector's role, ServiceAccount and key.
	// Default: false. Rule: a boolean.
	Enabled bool `yaml:"enabled"`
}

// DevicePlugin is the Nitro Enclaves Kubernetes device plugin, which
// advertises the enclave resource the MPC pods request.
type DevicePlugin struct {
	// Enabled runs the plugin from the cluster stack; turn it off when the
	// cluster already runs one (two would fight over the device). Default:
	// true. Rule: a boolean.
	Enabled *bool `yaml:"enabled"`
	// Image is the plugin image. Default:
	// "public.ecr.aws/aws-nitro-enclaves/aws-nitro-enclaves-k8s-device-plugin:v0.3".
	// Rule: an image reference pinned by a release tag (not latest) or a
	// sha256 digest.
	Image string `yaml:"image"`
	// Resources are the plugin container's limits and requests. Default:
	// limits cpu 100m, memory 30Mi; requests cpu 10m, memory 15Mi.
	Resources Resources `yaml:"resources"`
}

// Resources are a container's resource limits and requests.
type Resources struct {
	// Limits cap the container. Default: per use. Rule: keys cpu and
	// memory, Kubernetes quantities such as 100m or 30Mi.
	Limits ResourceList `yaml:"limits"`
	// Requests reserve for the container. Default: per use. Rule: as
	// limits, and each at most its limit.
	Requests ResourceList `yaml:"requests"`
}

// ResourceList is a CPU and memory quantity pair.
type ResourceList struct {
	// CPU is a Kubernetes CPU quantity. Default: per use. Rule: such as
	// 100m or 1.
	CPU string `yaml:"cpu"`
	// Memory is a Kubernetes memory quantity. Default: per use. Rule: such
	// as 30Mi or 1Gi.
	Memory string `yaml:"memory"`
}

// Subnets selects subnets by id, or by the standard EKS role tags when ids are omitted.
type Subnets struct {
	// Private subnet ids (node group for privatelink, NLB, endpoints, RDS).
	// Default: the cluster VPC's subnets tagged
	// kubernetes.io/role/internal-elb=1. Rule: subnet ids
	// (subnet-<8 to 17 hex>).
	Private []string `yaml:"private"`
	// Public subnet ids (node group for kubeip). Default: the cluster VPC's
	// subnets tagged kubernetes.io/role/elb=1. Rule: subnet ids
	// (subnet-<8 to 17 hex>).
	Public []string `yaml:"public"`
}

// NodeGroup sizes the enclave node group.
type NodeGroup struct {
	// InstanceTypes of the enclave nodes. Default: ["m5.2xlarge"].
	// Rule: EC2 instance types that support Nitro Enclaves: not the
	// t2, t3, t3a, t4g, a1, mac1, mac2, c7i-flex or m7i-flex families, and
	// not a nano to large size.
	InstanceTypes []string `yaml:"instance_types"`
	// MinSize is the smallest number of enclave nodes. Default: 1 (0 is
	// taken as unset). Rule: 0 to 100; min_size <= desired_size <=
	// max_size.
	MinSize int `yaml:"min_size"`
	// MaxSize is the largest number of enclave nodes. Default: the larger of
	// 1 and min_size. Rule: 1 to 100, and at least desired_size.
	MaxSize int `yaml:"max_size"`
	// DesiredSize is the number of enclave nodes to run. Default: min_size.
	// Rule: 0 to 100, from min_size to max_size.
	DesiredSize int `yaml:"desired_size"`
	// DiskSizeGiB is the size of the encrypted gp3 root volume.
	// Default: 50. Rule: 20 to 16384.
	DiskSizeGiB int `yaml:"disk_size_gib"`
	// CapacityType is how the nodes are bought. Default: "ON_DEMAND".
	// Rule: "ON_DEMAND" or "SPOT".
	CapacityType string `yaml:"capacity_type"`
	// AMIType is the EKS AMI type of the nodes.
	// Default: "AL2023_x86_64_STANDARD". Rule: an Amazon Linux 2023 type
	// (AL2023_...): the enclave allocator setup needs AL2023.
	AMIType string `yaml:"ami_type"`
	// EnableSSM attaches AmazonSSMManagedInstanceCore to the node role.
	// Default: false. Rule: a boolean.
	EnableSSM bool `yaml:"enable_ssm"`
	// AMIID is a custom AMI for the enclave nodes, built on Amazon Linux
	// 2023 (nodeadm and the enclave allocator setup need it). EKS adds no
	// bootstrap to a custom AMI, so the user data then carries a nodeadm
	// NodeConfig with the cluster's name, API endpoint, CA and service CIDR,
	// read from the cluster. Default: none, the EKS optimized AMI of
	// ami_type. Rule: ami-<8 or 17 hexadecimal characters>; not together
	// with ami_type or ami_release_version (EKS refuses both for a custom
	// AMI).
	AMIID string `yaml:"ami_id"`
	// AMIReleaseVersion pins the EKS optimized AMI release, so the nodes
	// change only when this value does. Default: none, the latest release
	// for the cluster's Kubernetes version when the group is created.
	// Rule: <Kubernetes major.minor.patch>-<YYYYMMDD>, such as
	// 1.33.8-20260304; its Kubernetes minor version must be the cluster's
	// (checked when the party stack reads the cluster).
	AMIReleaseVersion string `yaml:"ami_release_version"`
	// MaxUnavailable is how many nodes an update replaces at a time.
	// Default: 1 when max_unavailable_percentage is not set. Rule: 1 to 100;
	// not together with max_unavailable_percentage.
	MaxUnavailable int `yaml:"max_unavailable"`
	// MaxUnavailablePercentage is the share of the nodes an update replaces
	// at a time. Default: none. Rule: 1 to 100; not together with
	// max_unavailable.
	MaxUnavailablePercentage int `yaml:"max_unavailable_percentage"`
	// Labels are extra Kubernetes labels of the enclave nodes, on top of the
	// scheduling labels the strategy sets. Default: none. Rule: Kubernetes
	// label keys (an optional DNS-subdomain prefix and "/", then at most 63
	// letters, digits, "-", "_" and "."), values of at most 63 such
	// characters; not a scheduling label the strategy sets (kubeip:
	// nodepool, mpc.io/enclave, kubeip; privatelink:
	// node.kubernetes.io/enclave-enabled).
	Labels map[string]string `yaml:"labels"`
	// ExtraSecurityGroups are attached to the enclave nodes besides the
	// cluster security group (and the KubeIP firewall). Default: none.
	// Rule: security group ids, sg-<8 to 17 hex>, each listed once.
	ExtraSecurityGroups []string `yaml:"extra_security_groups"`
}

// Enclave configures the Nitro enclave and which images may decrypt.
type Enclave struct {
	// CPUCount is the number of vCPUs the node's enclave allocator reserves
	// and the MPC services' enclave uses (one number for both).
	// Default: 75% of the vCPUs of the smallest instance type, rounded
	// down to an even number. Rule: even (enclaves take whole cores), at
	// least 2, at most 1024, and at most the smallest instance type's vCPUs minus 2 (the
	// parent keeps one core); required when an instance type's size is not
	// known to the app.
	CPUCount int `yaml:"cpu_count"`
	// MemoryMiB is the memory the allocator reserves and the enclave uses.
	// Default: 75% of the smallest instance type's memory, rounded down to a
	// whole GiB. Rule: a multiple of 1024 (the enclave gets 1 GiB huge
	// pages), at least 1024, and at most the smallest instance type's memory
	// minus 4096 (the pod and the kubelet need the rest); required when an
	// instance type's size is not known to the app.
	MemoryMiB int `yaml:"memory_mib"`
	// PCR0 lists the SHA-384 image measurements allowed to decrypt with the
	// party key; several values allow a rolling upgrade. Default: none,
	// required. Rule: at least one; each 96 hexadecimal characters, listed
	// once.
	PCR0 []string `yaml:"pcr0"`
	// PCR1 pins the kernel/boot measurement as well. Default: none (not
	// pinned). Rule: 96 hexadecimal characters when set.
	PCR1 string `yaml:"pcr1"`
	// PCR2 pins the application measurement as well. Default: none (not
	// pinned). Rule: 96 hexadecimal characters when set.
	PCR2 string `yaml:"pcr2"`
}

// KMS configures key administration.
type KMS struct {
	// AdminRoleARNs may administer (never use) the party keys, besides the
	// account root. Default: none. Rule: IAM role ARNs
	// (arn:aws:iam::<account>:role/<name>).
	AdminRoleARNs []string `yaml:"admin_role_arns"`
	// DeletionWindowDays is the wait before a scheduled key deletion.
	// Default: 30. Rule: 7 to 30.
	DeletionWindowDays int `yaml:"deletion_window_days"`
	// CoreKeyARN uses an existing KMS key, typically in another account,
	// as the party's root key instead of creating the attested key here.
	// The key's own policy (owned by its account) must allow the party role
	// kms:Decrypt and kms:GenerateDataKey under the enclave attestation,
	// and kms:DescribeKey, kms:GetKeyPolicy and kms:GetPublicKey; this app
	// grants the same actions on that key in the party role's IAM policy,
	// which a key in another account also requires. Default: none, the
	// attested key is created in the party's account. Rule: a KMS key ARN
	// (arn:<partition>:kms:<region>:<12-digit account>:key/<key id>; an
	// alias ARN cannot be granted), in the party's region.
	CoreKeyARN string `yaml:"core_key_arn"`
	// TxSenderKeyARN uses an existing KMS key, typically in another account
	// or one holding imported key material, as the connector's
	// transaction-signing key instead of creating one here. Its key policy
	// must allow the connector role kms:Sign, kms:GetPublicKey and
	// kms:DescribeKey; this app grants the same in the connector role's
	// IAM policy. Default: none, a key is created when connector.enabled.
	// Rule: a KMS key ARN as for core_key_arn; only with connector.enabled.
	TxSenderKeyARN string `yaml:"tx_sender_key_arn"`
}

// IAMNames overrides the derived IAM role names, for accounts whose naming
// policy or permission boundary expects particular names.
type IAMNames struct {
	// PartyRoleName is the MPC services' IRSA role. Default:
	// mpc-<env>-<party name>-party. Rule: at most 64 letters, digits and
	// + = , . @ _ - (the IAM role name limits); different from the party's
	// other role names.
	PartyRoleName string `yaml:"party_role_name"`
	// ConnectorRoleName is the KMS connector's IRSA role (created when
	// connector.enabled). Default: mpc-<env>-<party name>-connector. Rule:
	// at most 64 letters, digits and + = , . @ _ -; different from the
	// party's other role names.
	ConnectorRoleName string `yaml:"connector_role_name"`
}

// Vault configures the key-material buckets.
type Vault struct {
	// BucketPrefix starts every bucket name (<prefix>-private,
	// <prefix>-public, and with a backup <prefix>-backup and
	// <prefix>-backup-rep). Default: mpc-<env>-<party name>-<account id>.
	// Rule: every derived name is a valid S3 bucket name of at most 63
	// characters.
	BucketPrefix string `yaml:"bucket_prefix"`
	// PreventDestroy makes Terraform refuse to destroy the private bucket.
	// Default: true on mainnet, false on testnet. Rule: a boolean.
	PreventDestroy *bool `yaml:"prevent_destroy"`
	// NoncurrentVersionDays is how long old object versions are kept before
	// they expire. Default: 90 (0 is taken as unset). Rule: 1 to 36500.
	NoncurrentVersionDays int `yaml:"noncurrent_version_days"`
}

// Backup is the backup vault: a versioned, SSE-KMS bucket the MPC services
// write a copy of their key material to, replicated to a bucket in another
// region, and a multi-region RSA key whose private half only an attested
// enclave image can use to decrypt the copy.
type Backup struct {
	// Enabled creates the backup vault and backup key and points the MPC
	// services at them. Default: true on mainnet, where losing the key
	// shares of a region means losing the party's share of every key the
	// network holds, which no other party can give back; false on testnet,
	// where keys are regenerated at will and a second region only costs.
	// Rule: a boolean; when true, replica_region is required.
	Enabled *bool `yaml:"enabled"`
	// ReplicaRegion is the region the backup bucket is replicated to and the
	// backup key is replicated in. Default: none. Rule: required when
	// enabled: an AWS region name of the party's partition, different from
	// the party's region and listed in allowed_regions.
	ReplicaRegion string `yaml:"replica_region"`
	// NoncurrentVersionDays is how long a replaced or deleted backup object
	// version is kept, in both buckets, before it expires. Default: 365 (a
	// backup is read when something went wrong, possibly long ago; 0 is
	// taken as unset). Rule: 1 to 36500.
	NoncurrentVersionDays int `yaml:"noncurrent_version_days"`
	// PreventDestroy makes Terraform refuse to plan the destruction of the
	// backup buckets and keys. Default: true on mainnet, false on testnet.
	// Rule: a boolean.
	PreventDestroy *bool `yaml:"prevent_destroy"`
}

// On reports whether the party keeps a backup vault.
func (b *Backup) On() bool { return b.Enabled != nil && *b.Enabled }

// Kubernetes names the party's Kubernetes objects.
type Kubernetes struct {
	// Namespace of the MPC services. Default: "kms-decentralized".
	// Rule: a DNS-1123 label of at most 63 characters.
	Namespace string `yaml:"namespace"`
	// CreateNamespace makes the cluster stack own the namespace; when false
	// the namespace must exist. Default: true. Rule: a boolean.
	CreateNamespace *bool `yaml:"create_namespace"`
	// ServiceAccount of the MPC services, bound to the IRSA role.
	// Default: "mpc-party-<id>". Rule: a DNS-1123 label of at most 63
	// characters.
	ServiceAccount string `yaml:"service_account"`
	// ConfigMap holding the storage/KMS environment. Default: "mpc-party".
	// Rule: a DNS-1123 label of at most 63 characters.
	ConfigMap string `yaml:"config_map"`
}

// RDS is the optional PostgreSQL database of the connector.
type RDS struct {
	// Enabled creates the database. Default: false. Rule: a boolean.
	Enabled bool `yaml:"enabled"`
	// EngineVersion of PostgreSQL. Default: "17.2". Rule: a version such as
	// 17 or 17.2 (checked when enabled).
	EngineVersion string `yaml:"engine_version"`
	// InstanceClass of the database. Default: "db.t4g.medium". Rule: an RDS
	// instance class, starting with "db." (checked when enabled).
	InstanceClass string `yaml:"instance_class"`
	// DBName is the database created. Default: "kmsconnector". Rule: a
	// letter, then at most 62 letters, digits and underscores; the derived
	// identifier <env>-<party>-<db_name> has at most 63 characters (checked
	// when enabled).
	DBName string `yaml:"db_name"`
	// Port the database listens on. Default: 5432. Rule: 1150 to 65535
	// (checked even when the database is disabled).
	Port int `yaml:"port"`
	// DeletionProtection makes AWS refuse to delete the database, so
	// `make destroy` stops until `make unprotect` has turned it off.
	// Default: true on mainnet, where the database holds a live party's
	// data; false otherwise, because test environments are torn down and
	// rebuilt routinely. Rule: a boolean.
	DeletionProtection *bool `yaml:"deletion_protection"`
	// Parameters of the parameter group; a map given here replaces the
	// default. Default: {"rds.force_ssl": "1"}. Rule: none.
	Parameters map[string]string `yaml:"parameters"`
	// AllocatedStorageGiB is the initial gp3 storage. Default: 50. Rule: 20
	// to 65536 (checked when enabled).
	AllocatedStorageGiB int `yaml:"allocated_storage_gib"`
	// MaxAllocatedStorageGiB is the ceiling storage autoscaling may grow
	// to. Default: 100. Rule: at least allocated_storage_gib, at most 65536
	// (checked when enabled).
	MaxAllocatedStorageGiB int `yaml:"max_allocated_storage_gib"`
	// MultiAZ runs a synchronous standby in a second availability zone.
	// Default: false. Rule: a boolean.
	MultiAZ bool `yaml:"multi_az"`
	// BackupRetentionDays is how long automated backups are kept.
	// Default: 7 (0 is taken as unset). Rule: 1 to 35, so backups stay on
	// (checked when enabled).
	BackupRetentionDays int `yaml:"backup_retention_days"`
	// MonitoringInterval is the enhanced-monitoring period in seconds; 0
	// turns it off. Default: 0. Rule: 0, 1, 5, 10, 15, 30 or 60 (checked
	// when enabled).
	MonitoringInterval int `yaml:"monitoring_interval"`
	// MonitoringRoleARN is an existing enhanced-monitoring role. Default:
	// none, and a role named <identifier>-rds-monitoring is created per
	// database when monitoring is on (a per-database name never clashes
	// with another party's or environment's). Rule: an IAM role ARN; only
	// with monitoring_interval above 0.
	MonitoringRoleARN string `yaml:"monitoring_role_arn"`
	// PasswordRotationDays rotates the RDS-managed master password through
	// its Secrets Manager secret every so many days. Default: 0, the
	// rotation Secrets Manager gives RDS-managed secrets. Rule: 0, or 1 to
	// 365 (checked when enabled).
	PasswordRotationDays int `yaml:"password_rotation_days"`
}

// Helm is the release of the MPC services (the kms-core chart).
type Helm struct {
	// ReleaseName is the Helm release name; the chart names the StatefulSet
	// <release>-core and the party's pod <release>-core-<id>.
	// Default: "kms-threshold-<id>". Rule: a DNS label of at most 53
	// characters.
	ReleaseName string `yaml:"release_name"`
	// Chart name in the repository. Default: "kms-core". Rule: none.
	Chart string `yaml:"chart"`
	// Repository is the chart repository.
	// Default: "oci://ghcr.io/zama-ai/kms/charts" (none when path is set).
	// Rule: an oci:// or https:// URL when path is not set.
	Repository string `yaml:"repository"`
	// Version pins the chart version. Default: "1.9.1", the version whose
	// values this app writes (none when path is set). Rule: a released
	// version such as 1.9.1.
	Version string `yaml:"version"`
	// Path is a local chart folder used instead of the repository, relative
	// to the project root or absolute. Default: none. Rule: none.
	Path string `yaml:"path"`
	// Image is the kms-core enclave image.
	Image HelmImage `yaml:"image"`
	// Wait makes Terraform wait until the release's pods are ready.
	// Default: true. Rule: a boolean; set false where no enclave node runs
	// yet, or the apply waits for timeout_seconds.
	Wait *bool `yaml:"wait"`
	// Atomic rolls a failed install or upgrade back. Default: true. Rule: a
	// boolean; needs wait.
	Atomic *bool `yaml:"atomic"`
	// TimeoutSeconds bounds an install or upgrade. Default: 900 (pulling the
	// enclave image and the peers' readiness take minutes). Rule: 60 to 3600.
	TimeoutSeconds int `yaml:"timeout_seconds"`
	// Values are extra chart values, applied over the generated ones.
	// Default: none. Rule: every key a value of the chart; none of the
	// values the app derives from the environment (peers, enclave size,
	// image, vaults, service account, scheduling), which have typed fields.
	Values map[string]any `yaml:"values"`
}

// HelmImage is the kms-core container image.
type HelmImage struct {
	// Name is the image repository. Default:
	// "hub.zama.org/ghcr/zama-ai/kms/core-service-enclave". Rule: an image
	// name without tag.
	Name string `yaml:"name"`
	// Tag pins the image release, whose measurement enclave.pcr0 allows.
	// Default: none, required. Rule: a tag such as v0.14.0, not "latest".
	Tag string `yaml:"tag"`
}

// KubeIPAgent configures the KubeIP agent.
type KubeIPAgent struct {
	// Version of the doitintl/kubeip-agent image. Default: the version this
	// app pins (kubeip.DefaultVersion). Rule: a released version such as
	// 2.2.0, never latest (checked in kubeip environments).
	Version string `yaml:"version"`
	// Namespace of the agent. Default: "kube-system". Rule: a DNS label
	// (checked in kubeip environments).
	Namespace string `yaml:"namespace"`
	// LogLevel of the agent. Default: "info". Rule: debug, info, warning or
	// error (checked in kubeip environments).
	LogLevel string `yaml:"log_level"`
	// Addresses is the number of Elastic IPs to publish, one per enclave
	// node; every peer admits and reaches each of them. Default: 1. Rule: 1
	// to 5, the default Elastic IP quota per region (checked in kubeip
	// environments).
	Addresses int `yaml:"addresses"`
}

// PrivateLinkOptions configures the endpoint service and the interface endpoints.
type PrivateLinkOptions struct {
	// AcceptanceRequired makes peers' endpoint connections wait for
	// acceptance; managed peers are accepted by this app, external peers by
	// the operator. Default: false. Rule: a boolean.
	AcceptanceRequired bool `yaml:"acceptance_required"`
	// Route53ZoneID, when set, gets an alias record party-<id>.<dns_domain>
	// per peer. Default: none (no records). Rule: a hosted zone id such as
	// Z0123456789ABCDEFGHIJ.
	Route53ZoneID string `yaml:"route53_zone_id"`
	// DNSDomain of those records. Default: "mpc.internal". Rule: none.
	DNSDomain string `yaml:"dns_domain"`
	// DeletionProtection makes AWS refuse to delete the party's NLB, so
	// `make destroy` stops until `make unprotect` has turned it off.
	// Default: true on mainnet, where deleting the NLB by mistake cuts the
	// party off from every peer; false otherwise, because test environments
	// are torn down and rebuilt routinely. Rule: a boolean.
	DeletionProtection *bool `yaml:"deletion_protection"`
	// VPCCIDR is the cluster VPC's CIDR, admitted by the NLB security group.
	// Default: none. Rule: required in privatelink environments: an IPv4
	// CIDR block other than /0.
	VPCCIDR string `yaml:"vpc_cidr"`
}

// Firewall adds sources to the KubeIP firewall on top of the peers' /32s.
type Firewall struct {
	// ExtraCIDRs are admitted on every MPC port (for example a monitoring
	// network). Default: none. Rule: CIDR blocks, never /0 (checked in kubeip
	// environments).
	ExtraCIDRs []string `yaml:"extra_cidrs"`
	// ExtraSecurityGroups are admitted on every MPC port. Default: none.
	// Rule: security group ids, sg-<8 to 17 hex> (checked in kubeip
	// environments).
	ExtraSecurityGroups []string `yaml:"extra_security_groups"`
}

// NetCheck runs the connectivity probe in the cluster.
type NetCheck struct {
	// Enabled creates the probe Job in the cluster stack. Default: false.
	// Rule: a boolean.
	Enabled bool `yaml:"enabled"`
	// Image containing the mpc-netcheck binary. Default: none. Rule:
	// required when enabled: an image reference such as
	// registry.example.com/mpc-netcheck:1.0.0.
	Image string `yaml:"image"`
}

// TrustSync is the scheduled copy of the peers' CA certificates: a
// Kubernetes CronJob running mpc-trust sync, which copies
// PUB-p<peer>/CACert/* from every peer's public vault into the party's own
// public vault (where its MPC services look for it), retrying on every run
// until the certificate is there and following its rotation.
type TrustSync struct {
	// Enabled creates the CronJob (cluster stack) and its IRSA role (party
	// stack). Default: false. Rule: a boolean.
	Enabled bool `yaml:"enabled"`
	// Image containing the mpc-trust binary at /mpc-trust. Default: none.
	// Rule: required when enabled: an image reference pinned by a version
	// tag or a digest, never latest, such as
	// registry.example.com/mpc-trust:1.0.0.
	Image string `yaml:"image"`
	// Schedule of the CronJob, in cron syntax. Default: "*/10 * * * *"
	// (every ten minutes). Rule: five cron fields.
	Schedule string `yaml:"schedule"`
}
