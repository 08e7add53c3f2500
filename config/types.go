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
	// Name of the environment; must equal the file name without ".yaml".
	// Becomes the first part of every stack name (<env>-<party>-<layer>).
	Name string `yaml:"name"`
	// Strategy is "kubeip" or "privatelink". Required.
	Strategy Strategy `yaml:"strategy"`
	// Network is "testnet" (default) or "mainnet".
	Network NetworkKind `yaml:"network"`
	// AllowedRegions replaces the network's default region allow-list
	// (testnet: eu-west-1, eu-west-3, eu-central-1, us-east-1, us-west-2;
	// mainnet: eu-central-1, eu-west-1). Every party's region must be in it.
	AllowedRegions []string `yaml:"allowed_regions"`
	// Ports are the MPC ports, identical on every party.
	Ports Ports `yaml:"ports"`
	// Tags are applied to every AWS resource through the provider's default tags.
	Tags map[string]string `yaml:"tags"`
	// Backend stores Terraform state. Default: local files under terraform-state/.
	Backend Backend `yaml:"backend"`
	// Threshold holds the parameters of the threshold protocol.
	Threshold Threshold `yaml:"threshold"`
	// Parties lists every party of the mesh, managed or external. At least two.
	Parties []Party `yaml:"parties"`

	// File is the path the environment was loaded from (not a YAML field).
	File string `yaml:"-"`
}

// Ports are the MPC ports. Zero values take the defaults.
type Ports struct {
	// GRPC is the client gRPC port. Default 50100.
	GRPC int `yaml:"grpc"`
	// Peer is the threshold peer-to-peer port. Default 50001.
	Peer int `yaml:"peer"`
	// Metrics is the Prometheus metrics port. Default 9646.
	Metrics int `yaml:"metrics"`
	// ExposeGRPC publishes the gRPC port to peers. Default true.
	ExposeGRPC *bool `yaml:"expose_grpc"`
}

// Backend says where Terraform state lives.
type Backend struct {
	// S3, when set, stores every stack's state in an S3 bucket at
	// <key_prefix>/<env>/<party>/<layer>.tfstate. When absent, state is kept
	// in local files under terraform-state/ (relative to the project).
	S3 *S3Backend `yaml:"s3"`
}

// S3Backend is remote state in S3.
type S3Backend struct {
	// Bucket holding the state. Required.
	Bucket string `yaml:"bucket"`
	// Region of the bucket. Required.
	Region string `yaml:"region"`
	// KeyPrefix is prepended to every state key. Default "mpc-mesh".
	KeyPrefix string `yaml:"key_prefix"`
	// Profile is the AWS profile used to reach the bucket. Default: none (ambient credentials).
	Profile string `yaml:"profile"`
	// Locking is "lockfile" (S3 native lock file, Terraform >= 1.10; default) or "dynamodb".
	Locking string `yaml:"locking"`
	// DynamoDBTable is the lock table; required when locking is "dynamodb".
	DynamoDBTable string `yaml:"dynamodb_table"`
}

// Threshold holds the threshold-protocol parameters the MPC services need.
type Threshold struct {
	// Parties is the number of parties of the whole MPC network (kmsPeers.count),
	// which may exceed the parties listed in this file. Default: the number of
	// listed parties. Party ids run from 1 to this number.
	Parties int `yaml:"parties"`
	// Value is the threshold t: the number of corrupted parties tolerated.
	// Must satisfy 1 <= t and 3t < parties. Default: the largest such t.
	Value int `yaml:"value"`
}

// Party is one party of the mesh. Exactly one of Managed and External is set.
type Party struct {
	// ID is the numeric party id, unique, from 1 to threshold.parties.
	ID int `yaml:"id"`
	// Name is a short DNS-safe name (lowercase letters, digits, hyphens), unique.
	Name string `yaml:"name"`
	// AccountID is the party's 12-digit AWS account id.
	AccountID string `yaml:"account_id"`
	// Region is the party's AWS region; must be allowed for the network.
	Region string `yaml:"region"`
	// Managed describes a party whose infrastructure this app builds.
	Managed *Managed `yaml:"managed"`
	// External describes a party run by another organisation, known only by what it publishes.
	External *External `yaml:"external"`
}

// External is what another organisation publishes about its party: exactly
// the block that `peers export` prints.
type External struct {
	// PublicIP is the party's Elastic IP (KubeIP strategy).
	PublicIP string `yaml:"public_ip" json:"public_ip,omitempty"`
	// EndpointServiceName is its VPC endpoint service name,
	// com.amazonaws.vpce.<region>.vpce-svc-<id> (PrivateLink strategy).
	EndpointServiceName string `yaml:"endpoint_service_name" json:"endpoint_service_name,omitempty"`
	// AvailabilityZoneIDs are the AZ ids of its NLB (PrivateLink; optional,
	// used to pick matching subnets for a same-region endpoint).
	AvailabilityZoneIDs []string `yaml:"availability_zone_ids" json:"availability_zone_ids,omitempty"`
}

// Managed is the full description of a party this app deploys.
type Managed struct {
	// AWSProfile is the AWS CLI profile every stack of this party uses. Default: none (ambient credentials).
	AWSProfile string `yaml:"aws_profile"`
	// ClusterName is the party's existing EKS cluster. Required.
	ClusterName string `yaml:"cluster_name"`
	// Subnets chooses the subnets the party's resources go in.
	Subnets Subnets `yaml:"subnets"`
	// NodeGroup sizes the dedicated enclave node group.
	NodeGroup NodeGroup `yaml:"nodegroup"`
	// Enclave configures the Nitro enclave and the attested KMS key.
	Enclave Enclave `yaml:"enclave"`
	// KMS configures administration of the party's keys.
	KMS KMS `yaml:"kms"`
	// Vault configures the key-material buckets.
	Vault Vault `yaml:"vault"`
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
}

// Subnets selects subnets by id, or by the standard EKS role tags when ids are omitted.
type Subnets struct {
	// Private subnet ids (node group for privatelink, NLB, endpoints, RDS).
	// Default: the cluster VPC's subnets tagged kubernetes.io/role/internal-elb=1.
	Private []string `yaml:"private"`
	// Public subnet ids (node group for kubeip). Default: the cluster VPC's
	// subnets tagged kubernetes.io/role/elb=1.
	Public []string `yaml:"public"`
}

// NodeGroup sizes the enclave node group.
type NodeGroup struct {
	// InstanceTypes must support Nitro Enclaves. Default ["m5.2xlarge"].
	InstanceTypes []string `yaml:"instance_types"`
	// MinSize default 1, MaxSize default 1, DesiredSize default 1.
	MinSize     int `yaml:"min_size"`
	MaxSize     int `yaml:"max_size"`
	DesiredSize int `yaml:"desired_size"`
	// DiskSizeGiB is the encrypted gp3 root volume size. Default 50.
	DiskSizeGiB int `yaml:"disk_size_gib"`
	// CapacityType is ON_DEMAND (default) or SPOT.
	CapacityType string `yaml:"capacity_type"`
	// AMIType is an AL2023 EKS AMI type. Default AL2023_x86_64_STANDARD.
	AMIType string `yaml:"ami_type"`
	// EnableSSM attaches AmazonSSMManagedInstanceCore to the node role. Default false.
	EnableSSM bool `yaml:"enable_ssm"`
}

// Enclave configures the Nitro enclave and which images may decrypt.
type Enclave struct {
	// CPUCount given to the enclave allocator. Default 0: 75% of the instance's vCPUs.
	CPUCount int `yaml:"cpu_count"`
	// MemoryMiB given to the enclave allocator. Default 0: 75% of the instance's memory.
	MemoryMiB int `yaml:"memory_mib"`
	// PCR0 lists the SHA-384 image measurements (96 hex characters) allowed to
	// decrypt with the party key. Several values allow a rolling upgrade. Required.
	PCR0 []string `yaml:"pcr0"`
	// PCR1 optionally pins the kernel/boot measurement as well.
	PCR1 string `yaml:"pcr1"`
	// PCR2 optionally pins the application measurement as well.
	PCR2 string `yaml:"pcr2"`
}

// KMS configures key administration.
type KMS struct {
	// AdminRoleARNs may administer (never use) the party keys, besides the account root.
	AdminRoleARNs []string `yaml:"admin_role_arns"`
	// DeletionWindowDays before a scheduled key deletion. Default 30 (7 to 30).
	DeletionWindowDays int `yaml:"deletion_window_days"`
}

// Vault configures the key-material buckets.
type Vault struct {
	// BucketPrefix starts both bucket names (<prefix>-private, <prefix>-public).
	// Default mpc-<env>-<party name>-<account id>.
	BucketPrefix string `yaml:"bucket_prefix"`
	// PreventDestroy makes Terraform refuse to destroy the private bucket.
	// Default true on mainnet, false on testnet.
	PreventDestroy *bool `yaml:"prevent_destroy"`
	// NoncurrentVersionDays before old object versions expire. Default 90.
	NoncurrentVersionDays int `yaml:"noncurrent_version_days"`
}

// Kubernetes names the party's Kubernetes objects.
type Kubernetes struct {
	// Namespace of the MPC services. Default "kms-decentralized".
	Namespace string `yaml:"namespace"`
	// CreateNamespace makes the cluster stack own the namespace. Default true.
	CreateNamespace *bool `yaml:"create_namespace"`
	// ServiceAccount of the MPC services, bound to the IRSA role. Default "mpc-party-<id>".
	ServiceAccount string `yaml:"service_account"`
	// ConfigMap holding the storage/KMS environment. Default "mpc-party".
	ConfigMap string `yaml:"config_map"`
}

// RDS is the optional PostgreSQL database of the connector.
type RDS struct {
	// Enabled creates the database. Default false.
	Enabled bool `yaml:"enabled"`
	// EngineVersion of PostgreSQL. Default "17.2".
	EngineVersion string `yaml:"engine_version"`
	// InstanceClass default "db.t4g.medium".
	InstanceClass string `yaml:"instance_class"`
	// DBName default "kmsconnector".
	DBName string `yaml:"db_name"`
	// Port default 5432.
	Port int `yaml:"port"`
	// DeletionProtection default true.
	DeletionProtection *bool `yaml:"deletion_protection"`
	// Parameters of the parameter group. Default {"rds.force_ssl": "1"}.
	Parameters map[string]string `yaml:"parameters"`
}

// Helm is the release of the MPC services.
type Helm struct {
	// ReleaseName default "kms-threshold-<id>".
	ReleaseName string `yaml:"release_name"`
	// Chart name in the repository. Default "kms-service".
	Chart string `yaml:"chart"`
	// Repository is an OCI or HTTPS chart repository. Default "oci://ghcr.io/zama-ai/helm-charts".
	Repository string `yaml:"repository"`
	// Version pins the chart version. Required unless Path is set.
	Version string `yaml:"version"`
	// Path is a local chart folder used instead of the repository.
	Path string `yaml:"path"`
	// Values are extra chart values, applied over the generated ones.
	Values map[string]any `yaml:"values"`
}

// KubeIPAgent configures the KubeIP agent.
type KubeIPAgent struct {
	// Version of doitintl/kubeip-agent. Default: the version this app pins.
	Version string `yaml:"version"`
	// Namespace of the agent. Default "kube-system".
	Namespace string `yaml:"namespace"`
	// LogLevel is debug, info (default), warning or error.
	LogLevel string `yaml:"log_level"`
	// Addresses is the number of Elastic IPs to publish, one per enclave node. Default 1.
	Addresses int `yaml:"addresses"`
}

// PrivateLinkOptions configures the endpoint service and the interface endpoints.
type PrivateLinkOptions struct {
	// AcceptanceRequired makes peers' endpoint connections wait for acceptance;
	// managed peers are accepted by this app. Default false.
	AcceptanceRequired bool `yaml:"acceptance_required"`
	// Route53ZoneID, when set, gets an alias record party-<id>.<dns_domain> per peer.
	Route53ZoneID string `yaml:"route53_zone_id"`
	// DNSDomain of those records. Default "mpc.internal".
	DNSDomain string `yaml:"dns_domain"`
	// VPCCIDR is the cluster VPC's CIDR, admitted by the NLB security group.
	// Required for privatelink.
	VPCCIDR string `yaml:"vpc_cidr"`
}

// Firewall adds sources to the KubeIP firewall on top of the peers' /32s.
type Firewall struct {
	// ExtraCIDRs admitted on every MPC port (for example a monitoring network). Never /0.
	ExtraCIDRs []string `yaml:"extra_cidrs"`
	// ExtraSecurityGroups admitted on every MPC port.
	ExtraSecurityGroups []string `yaml:"extra_security_groups"`
}

// NetCheck runs the connectivity probe in the cluster.
type NetCheck struct {
	// Enabled creates the probe Job in the cluster stack. Default false.
	Enabled bool `yaml:"enabled"`
	// Image containing the mpc-netcheck binary. Required when enabled.
	Image string `yaml:"image"`
}
