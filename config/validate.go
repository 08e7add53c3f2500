package config

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mpc-mesh/infra/internal/kmsconnector"
)

var (
	reDNSLabel    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	reAccount     = regexp.MustCompile(`^[0-9]{12}$`)
	reRegion      = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
	reHex96       = regexp.MustCompile(`^[0-9a-fA-F]{96}$`)
	reSubnet      = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	reSG          = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
	reCluster     = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	reInstance    = regexp.MustCompile(`^([a-z][a-z0-9-]*)\.([a-z0-9]+)$`)
	reRoleARN     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	reServiceName = regexp.MustCompile(`^com\.amazonaws\.vpce\.([a-z0-9-]+)\.vpce-svc-[0-9a-f]{17}$`)
	reAZID        = regexp.MustCompile(`^[a-z]{2,5}[0-9]-az[0-9]+$`)
	reEngineVer   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	reDBName      = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,62}$`)
	reZoneID      = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	reTagKey      = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
	reTagValue    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$`)
	reLogLevel    = regexp.MustCompile(`^(debug|info|warning|error)$`)
	reS3Bucket    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	reVersion     = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.-]+)?$`)
	reImage       = regexp.MustCompile(`^[a-z0-9]+([._/:@-][a-zA-Z0-9]+)*$`)
	reKeyARN      = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:kms:([a-z]{2}(?:-gov)?-[a-z]+-[0-9]):[0-9]{12}:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)
	reRoleName    = regexp.MustCompile(`^[\w+=,.@-]+$`)
	reAMI         = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	reAMIRelease  = regexp.MustCompile(`^1\.[0-9]{2}\.[0-9]{1,3}-20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$`)
	reLabelName   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$`)
	reLabelValue  = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$`)
	reDNSSubdom   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// SchedulingLabelKeys are the node labels each strategy puts on the
// enclave nodes and selects them by; an environment's extra labels may not
// set them (config/defaults_test.go checks they are the node-group
// construct's).
var SchedulingLabelKeys = map[Strategy][]string{
	KubeIP:      {"kubeip", "mpc.io/enclave", "nodepool"},
	PrivateLink: {"node.kubernetes.io/enclave-enabled"},
}

// Enclave-incapable instance families and sizes (Nitro Enclaves need a Nitro
// instance with at least 4 vCPUs, burstable and bare-metal Mac types excluded).
var (
	noEnclaveFamilies = []string{"t2", "t3", "t3a", "t4g", "a1", "mac1", "mac2", "c7i-flex", "m7i-flex"}
	noEnclaveSizes    = []string{"nano", "micro", "small", "medium", "large"}
)

// Upper bounds of integer fields that AWS does not bound tightly itself.
// Each is far above any real value and keeps every rule's arithmetic far
// from integer overflow; each is documented on its field.
const (
	// maxParties bounds threshold.parties: a full mesh of n parties needs
	// n-1 firewall sources or interface endpoints per party, and AWS's
	// per-group and per-VPC quotas run out long before 100.
	maxParties = 100
	// maxNodeGroupSize bounds the enclave node group sizes.
	maxNodeGroupSize = 100
	// maxEnclaveCPUs and maxEnclaveMemoryMiB bound the enclave allocator to
	// more than the largest EC2 instance offers.
	maxEnclaveCPUs      = 1024
	maxEnclaveMemoryMiB = 32 << 20
	// maxNoncurrentVersionDays bounds how long old object versions are kept: a century.
	maxNoncurrentVersionDays = 36500
	// maxAddresses bounds the Elastic IPs one party publishes, managed
	// (kubeip.addresses) or external (public_ips): the default Elastic IP
	// quota of a region.
	maxAddresses = 5
)

func validate(c *collector, env *Environment) {
	if !reDNSLabel.MatchString(env.Name) || len(env.Name) > 24 {
		c.add("name", env.Name, "must be a DNS label of at most 24 characters (lowercase letters, digits, hyphens)", "rename the environment and its file, for example prod-eu")
	}
	switch env.Strategy {
	case KubeIP, PrivateLink:
	case "":
		c.add("strategy", "", "is required", `set strategy: kubeip or strategy: privatelink`)
	default:
		c.add("strategy", string(env.Strategy), "is not a networking strategy", `use "kubeip" or "privatelink"`)
	}
	if !env.Network.known() {
		c.add("network", string(env.Network), "is not a network kind", "use one of "+strings.Join(networkNames(), ", "))
	}
	for i, r := range env.AllowedRegions {
		if !reRegion.MatchString(r) {
			c.add(fmt.Sprintf("allowed_regions[%d]", i), r, "is not an AWS region name", "use a region such as eu-west-1")
		}
	}
	validatePorts(c, env)
	validateTags(c, "tags", env.Tags)
	validateBackend(c, env)
	validateParties(c, env)
	validatePeerTLS(c, env)
	validateTrustSync(c, env)
}

func validatePorts(c *collector, env *Environment) {
	seen := map[int]string{}
	for _, p := range []struct {
		name string
		v    int
	}{{"grpc", env.Ports.GRPC}, {"peer", env.Ports.Peer}, {"metrics", env.Ports.Metrics}} {
		path := "ports." + p.name
		if p.v < 1 || p.v > 65535 {
			c.add(path, strconv.Itoa(p.v), "is not a TCP port", "use a number from 1 to 65535")
			continue
		}
		if other, dup := seen[p.v]; dup {
			c.add(path, strconv.Itoa(p.v), "is the same port as ports."+other, "give each MPC port its own number")
		}
		seen[p.v] = p.name
	}
}

func validateTags(c *collector, path string, tags map[string]string) {
	for k, v := range tags {
		p := path + "." + k
		switch {
		case !reTagKey.MatchString(k):
			c.add(p, k, "is not a valid AWS tag key", "use 1-128 letters, digits, spaces and _ . : / = + - @")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			c.add(p, k, "uses the reserved aws: prefix", "choose another key")
		}
		if !reTagValue.MatchString(v) {
			c.add(p, v, "is not a valid AWS tag value", "use at most 256 letters, digits, spaces and _ . : / = + - @")
		}
	}
}

func validateBackend(c *collector, env *Environment) {
	s3 := env.Backend.S3
	if s3 == nil {
		return
	}
	if !reS3Bucket.MatchString(s3.Bucket) {
		c.add("backend.s3.bucket", s3.Bucket, "is not a valid S3 bucket name", "use 3-63 lowercase letters, digits and hyphens")
	}
	if !reRegion.MatchString(s3.Region) {
		c.add("backend.s3.region", s3.Region, "is not an AWS region name", "set the state bucket's region, for example eu-west-1")
	}
	switch s3.Locking {
	case "lockfile":
	case "dynamodb":
		if s3.DynamoDBTable == "" {
			c.add("backend.s3.dynamodb_table", "", "is required when locking is dynamodb", "name the lock table, or use locking: lockfile")
		}
	default:
		c.add("backend.s3.locking", s3.Locking, "is not a locking mode", `use "lockfile" (Terraform >= 1.10) or "dynamodb"`)
	}
	if strings.Contains(s3.KeyPrefix, "..") || strings.HasPrefix(s3.KeyPrefix, "/") {
		c.add("backend.s3.key_prefix", s3.KeyPrefix, "must be a relative key prefix", "use a prefix such as mpc-mesh")
	}
}

func validateParties(c *collector, env *Environment) {
	n := env.Threshold.Parties
	if len(env.Parties) < 2 {
		c.add("parties", strconv.Itoa(len(env.Parties)), "a mesh needs at least two parties", "list every party of the mesh, managed or external")
	}
	// Every comparison below is between bounded numbers or divides instead
	// of multiplying, so no value written in the file can overflow it.
	switch {
	case n > maxParties:
		c.add("threshold.parties", strconv.Itoa(n), fmt.Sprintf("is larger than %d parties", maxParties), fmt.Sprintf("set threshold.parties to the size of the whole MPC network, at most %d", maxParties))
	case n < len(env.Parties):
		c.add("threshold.parties", strconv.Itoa(n), fmt.Sprintf("is smaller than the %d parties listed", len(env.Parties)), "set it to the size of the whole MPC network")
	case n < 4:
		c.add("threshold.parties", strconv.Itoa(n), "a threshold network needs at least 4 parties (n >= 3t+1 with t >= 1)", "set threshold.parties to the size of the whole MPC network, counting the parties other organisations deploy")
	default:
		// 3t < n is t <= (n-1)/3 for whole numbers, without computing 3t.
		if t, maxT := env.Threshold.Value, (n-1)/3; t < 1 || t > maxT {
			c.add("threshold.value", strconv.Itoa(t), fmt.Sprintf("must satisfy 1 <= t and 3t < %d parties", n), fmt.Sprintf("use a value from 1 to %d", maxT))
		}
	}
	if n > maxParties || n < 1 {
		// Ids are checked against the largest valid network instead.
		n = maxParties
	}
	managed := 0
	ids := map[int]int{}
	names := map[string]int{}
	ips := map[string]int{}
	services := map[string]int{}
	clusters := map[string]int{}
	for i := range env.Parties {
		p := &env.Parties[i]
		path := fmt.Sprintf("parties[%d]", i)
		if p.ID < 1 || p.ID > n {
			c.add(path+".id", strconv.Itoa(p.ID), fmt.Sprintf("is out of range for a %d-party network", n), fmt.Sprintf("use an id from 1 to %d (threshold.parties)", n))
		}
		if j, dup := ids[p.ID]; dup {
			c.add(path+".id", strconv.Itoa(p.ID), fmt.Sprintf("is already used by parties[%d]", j), "give every party its own id")
		}
		ids[p.ID] = i
		if !reDNSLabel.MatchString(p.Name) || len(p.Name) > 20 {
			c.add(path+".name", p.Name, "must be a DNS label of at most 20 characters (lowercase letters, digits, hyphens)", "use a short name such as alice or party-3")
		}
		if j, dup := names[p.Name]; dup {
			c.add(path+".name", p.Name, fmt.Sprintf("is already used by parties[%d]", j), "give every party its own name")
		}
		names[p.Name] = i
		if !reAccount.MatchString(p.AccountID) {
			c.add(path+".account_id", p.AccountID, "is not a 12-digit AWS account id", `quote it so YAML keeps leading zeros: account_id: "012345678901"`)
		}
		if !reRegion.MatchString(p.Region) {
			c.add(path+".region", p.Region, "is not an AWS region name", "use a region such as eu-west-1")
		} else if (env.Network.known() || len(env.AllowedRegions) > 0) && !slices.Contains(env.AllowedRegions, p.Region) {
			// Without allowed_regions, an unknown network (reported once
			// above) has no allow-list to check the region against.
			c.add(path+".region", p.Region, fmt.Sprintf("is not allowed on %s", env.Network), "use one of "+strings.Join(env.AllowedRegions, ", ")+", or set allowed_regions")
		}
		switch {
		case p.Managed != nil && p.External != nil:
			c.add(path, "", "is both managed and external", "keep managed: for a party this app deploys, external: for another organisation's")
		case p.Managed == nil && p.External == nil:
			c.add(path, "", "is neither managed nor external", "add a managed: block, or an external: block with what the party publishes")
		case p.Managed != nil:
			managed++
			key := p.AccountID + "/" + p.Region + "/" + p.Managed.ClusterName
			if j, dup := clusters[key]; dup {
				c.add(path+".managed.cluster_name", p.Managed.ClusterName, fmt.Sprintf("parties[%d] already deploys to this cluster in the same account and region", j), "give each party its own EKS cluster")
			}
			clusters[key] = i
			validateManaged(c, env, p, path+".managed")
		default:
			validateExternal(c, env, p, path+".external", ips, services, i)
		}
	}
	if managed == 0 && len(env.Parties) > 0 {
		c.add("parties", "", "no party is managed, so there is nothing to deploy", "add a managed: block to the parties this app deploys")
	}
}

func validateExternal(c *collector, env *Environment, p *Party, path string, ips, services map[string]int, i int) {
	x := p.External
	switch env.Strategy {
	case KubeIP:
		if x.EndpointServiceName != "" || len(x.AvailabilityZoneIDs) > 0 {
			c.add(path, "", "has PrivateLink fields in a kubeip environment", "keep only public_ip or public_ips")
		}
		switch {
		case x.PublicIP != "" && len(x.PublicIPs) > 0:
			c.add(path+".public_ips", "", "is set together with public_ip", "list every address in public_ips and remove public_ip")
			return
		case x.PublicIP == "" && len(x.PublicIPs) == 0:
			c.add(path+".public_ip", "", "is required for an external party in a kubeip environment", "set the Elastic IP the party published, or public_ips when it publishes several")
			return
		case len(x.PublicIPs) > maxAddresses:
			c.add(path+".public_ips", strconv.Itoa(len(x.PublicIPs)), fmt.Sprintf("lists more than %d addresses (the default Elastic IP quota of a region)", maxAddresses), "list the addresses the party published, one per enclave node")
		}
		for k, addr := range x.Addresses() {
			field := path + ".public_ip"
			if len(x.PublicIPs) > 0 {
				field = fmt.Sprintf("%s.public_ips[%d]", path, k)
			}
			ip, err := netip.ParseAddr(addr)
			switch {
			case err != nil || !ip.Is4():
				c.add(field, addr, "is not an IPv4 address", "set the party's Elastic IP, for example 203.0.113.10")
			case ip.IsPrivate() || ip.IsLoopback() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsLinkLocalUnicast():
				c.add(field, addr, "is not a public address, so no peer could reach it", "set the party's Elastic IP")
			default:
				if j, dup := ips[addr]; dup && j == i {
					c.add(field, addr, "is listed twice", "list each address once")
				} else if dup {
					c.add(field, addr, fmt.Sprintf("is already claimed by parties[%d]", j), "each party publishes its own Elastic IPs")
				}
				ips[addr] = i
			}
		}
	case PrivateLink:
		if x.PublicIP != "" {
			c.add(path+".public_ip", x.PublicIP, "is a KubeIP field in a privatelink environment", "remove it; set endpoint_service_name")
		}
		if len(x.PublicIPs) > 0 {
			c.add(path+".public_ips", "", "is a KubeIP field in a privatelink environment", "remove it; set endpoint_service_name")
		}
		m := reServiceName.FindStringSubmatch(x.EndpointServiceName)
		switch {
		case x.EndpointServiceName == "":
			c.add(path+".endpoint_service_name", "", "is required for an external party in a privatelink environment", "set the service name the party published (com.amazonaws.vpce.<region>.vpce-svc-<17 hex>)")
		case m == nil:
			c.add(path+".endpoint_service_name", x.EndpointServiceName, "is not a VPC endpoint service name", "use the AWS-generated name com.amazonaws.vpce.<region>.vpce-svc-<17 hex>")
		case m[1] != p.Region:
			c.add(path+".endpoint_service_name", x.EndpointServiceName, fmt.Sprintf("is in region %s but the party's region is %s", m[1], p.Region), "fix the party's region or the service name")
		default:
			if j, dup := services[x.EndpointServiceName]; dup {
				c.add(path+".endpoint_service_name", x.EndpointServiceName, fmt.Sprintf("is already claimed by parties[%d]", j), "each party publishes its own endpoint service")
			}
			services[x.EndpointServiceName] = i
		}
		for k, az := range x.AvailabilityZoneIDs {
			if !reAZID.MatchString(az) {
				c.add(fmt.Sprintf("%s.availability_zone_ids[%d]", path, k), az, "is not an availability-zone id", "use AZ ids such as euw1-az1 (names like eu-west-1a differ between accounts)")
			}
		}
	}
}

func validateManaged(c *collector, env *Environment, p *Party, path string) {
	m := p.Managed
	if m.ClusterName == "" {
		c.add(path+".cluster_name", "", "is required", "name the party's existing EKS cluster")
	} else if !reCluster.MatchString(m.ClusterName) {
		c.add(path+".cluster_name", m.ClusterName, "is not a valid EKS cluster name", "use letters, digits, hyphens and underscores, starting with a letter or digit")
	}
	for k, s := range m.Subnets.Private {
		if !reSubnet.MatchString(s) {
			c.add(fmt.Sprintf("%s.subnets.private[%d]", path, k), s, "is not a subnet id", "use ids such as subnet-0123456789abcdef0")
		}
	}
	for k, s := range m.Subnets.Public {
		if !reSubnet.MatchString(s) {
			c.add(fmt.Sprintf("%s.subnets.public[%d]", path, k), s, "is not a subnet id", "use ids such as subnet-0123456789abcdef0")
		}
	}
	validateNodeGroup(c, env.Strategy, m, path+".nodegroup")
	validateEnclave(c, m, path+".enclave")
	for k, arn := range m.KMS.AdminRoleARNs {
		if !reRoleARN.MatchString(arn) {
			c.add(fmt.Sprintf("%s.kms.admin_role_arns[%d]", path, k), arn, "is not an IAM role ARN", "use arn:aws:iam::<account>:role/<name>")
		}
	}
	validateKeyARN(c, p, path+".kms.core_key_arn", m.KMS.CoreKeyARN)
	validateKeyARN(c, p, path+".kms.tx_sender_key_arn", m.KMS.TxSenderKeyARN)
	if m.KMS.TxSenderKeyARN != "" && !m.Connector.Enabled {
		c.add(path+".kms.tx_sender_key_arn", m.KMS.TxSenderKeyARN, "is set but the connector is off", "set connector.enabled: true, or remove tx_sender_key_arn")
	}
	if d := m.KMS.DeletionWindowDays; d < 7 || d > 30 {
		c.add(path+".kms.deletion_window_days", strconv.Itoa(d), "is outside what KMS accepts", "use 7 to 30 days")
	}
	if d := m.Vault.NoncurrentVersionDays; d < 1 || d > maxNoncurrentVersionDays {
		c.add(path+".vault.noncurrent_version_days", strconv.Itoa(d), fmt.Sprintf("must be 1 to %d days", maxNoncurrentVersionDays), "keep old versions for some days, 90 by default")
	}
	validateBackup(c, env, p, path+".backup")
	validateKubernetes(c, m, path+".kubernetes")
	validateRDS(c, m, path+".rds")
	validateHelm(c, m, path+".helm")
	validateStrategyOptions(c, env, m, path)
	if ts := m.TrustSync; ts.Enabled {
		if !pinnedImage(ts.Image) {
			c.add(path+".trust_sync.image", ts.Image, "is required when the trust sync is enabled and must be an image pinned by a version tag or a digest, never latest", "publish an image with mpc-trust at /mpc-trust and set it, for example registry.example.com/mpc-trust:1.0.0")
		}
		if len(strings.Fields(ts.Schedule)) != 5 {
			c.add(path+".trust_sync.schedule", ts.Schedule, "is not a cron schedule of five fields", `use a schedule such as "*/10 * * * *" (every ten minutes)`)
		}
	}
	validateDevicePlugin(c, m.DevicePlugin, path+".device_plugin")
	if m.NetCheck.Enabled && !reImage.MatchString(m.NetCheck.Image) {
		c.add(path+".netcheck.image", m.NetCheck.Image, "is required when the probe Job is enabled and must be an image reference", "publish an image with mpc-netcheck and set it, for example registry.example.com/mpc-netcheck:1.0.0")
	}
	validateNames(c, env, p, path)
}

// validateBackup checks the backup vault's replica region and retention.
// The retention is bounded even when the backup is off, like every number.
func validateBackup(c *collector, env *Environment, p *Party, path string) {
	b := p.Managed.Backup
	if d := b.NoncurrentVersionDays; d < 1 || d > maxNoncurrentVersionDays {
		c.add(path+".noncurrent_version_days", strconv.Itoa(d), fmt.Sprintf("must be 1 to %d days", maxNoncurrentVersionDays), fmt.Sprintf("keep old backup versions for some days, %d by default", DefaultBackupNoncurrentVersionDays))
	}
	r := b.ReplicaRegion
	if !b.On() {
		if r != "" && !reRegion.MatchString(r) {
			c.add(path+".replica_region", r, "is not an AWS region name", "use a region such as eu-central-1, or leave it out while the backup is off")
		}
		return
	}
	switch {
	case r == "":
		c.add(path+".replica_region", "", fmt.Sprintf("is required when the backup is on (backup.enabled: %s): the backup is only a backup once a copy lives outside the party's region", c.where(path+".enabled")), "set a second region, for example "+otherRegion(env, p.Region)+", or set backup.enabled: false")
	case !reRegion.MatchString(r):
		c.add(path+".replica_region", r, "is not an AWS region name", "use a region such as "+otherRegion(env, p.Region))
	case r == p.Region:
		c.add(path+".replica_region", r, "is the party's own region, so losing that region would lose the replica too", "use another region, for example "+otherRegion(env, p.Region))
	case Partition(r) != Partition(p.Region):
		c.add(path+".replica_region", r, fmt.Sprintf("is in partition %s but the party's region %s is in %s; S3 replication and multi-region keys stay within a partition", Partition(r), p.Region, Partition(p.Region)), "use a region of the party's partition")
	case !slices.Contains(env.AllowedRegions, r):
		c.add(path+".replica_region", r, fmt.Sprintf("is not allowed on %s: key material may only be stored in the environment's regions", env.Network), "use one of "+strings.Join(env.AllowedRegions, ", ")+", or add it to allowed_regions")
	}
}

// otherRegion suggests an allowed region other than the party's.
func otherRegion(env *Environment, region string) string {
	for _, r := range env.AllowedRegions {
		if r != region && reRegion.MatchString(r) {
			return r
		}
	}
	return "eu-central-1"
}

// Partition is the AWS partition a region belongs to: aws-cn, aws-us-gov
// or aws.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func validateNodeGroup(c *collector, strategy Strategy, m *Managed, path string) {
	ng := m.NodeGroup
	for k, it := range ng.InstanceTypes {
		p := fmt.Sprintf("%s.instance_types[%d]", path, k)
		parts := reInstance.FindStringSubmatch(it)
		switch {
		case parts == nil:
			c.add(p, it, "is not an EC2 instance type", "use a type such as m5.2xlarge")
		case slices.Contains(noEnclaveFamilies, parts[1]) || slices.Contains(noEnclaveSizes, parts[2]):
			c.add(p, it, "does not support Nitro Enclaves (needs a Nitro instance with at least 4 vCPUs, not burstable)", "use a type such as m5.2xlarge, c6i.2xlarge or c7a.16xlarge")
		}
	}
	// A size is checked where the file sets it; a defaulted one (derived
	// from min_size) is only compared when in range, so a bad min_size gives
	// one error. Comparisons involve valid sizes only.
	valid := map[string]bool{}
	for _, f := range []struct {
		name   string
		v, low int
	}{{"min_size", ng.MinSize, 0}, {"max_size", ng.MaxSize, 1}, {"desired_size", ng.DesiredSize, 0}} {
		valid[f.name] = f.v >= f.low && f.v <= maxNodeGroupSize
		if _, written := c.lines[path+"."+f.name]; valid[f.name] || !written {
			continue
		}
		problem := fmt.Sprintf("is outside %d to %d nodes", f.low, maxNodeGroupSize)
		if f.v < 0 {
			problem = "is negative"
		}
		c.add(path+"."+f.name, strconv.Itoa(f.v), problem, fmt.Sprintf("use a number of nodes from %d to %d", f.low, maxNodeGroupSize))
	}
	sizes := "use min_size <= desired_size <= max_size"
	if _, written := c.lines[path+".desired_size"]; !written {
		// The default, min_size, is already compared with max_size.
		valid["desired_size"] = false
	}
	if valid["min_size"] && valid["max_size"] && ng.MinSize > ng.MaxSize {
		c.add(path+".min_size", strconv.Itoa(ng.MinSize), fmt.Sprintf("is larger than max_size (%d, %s)", ng.MaxSize, c.where(path+".max_size")), sizes)
	}
	if valid["desired_size"] && valid["max_size"] && ng.DesiredSize > ng.MaxSize {
		c.add(path+".desired_size", strconv.Itoa(ng.DesiredSize), fmt.Sprintf("is larger than max_size (%d, %s)", ng.MaxSize, c.where(path+".max_size")), sizes)
	}
	if valid["desired_size"] && valid["min_size"] && ng.DesiredSize < ng.MinSize {
		c.add(path+".desired_size", strconv.Itoa(ng.DesiredSize), fmt.Sprintf("is smaller than min_size (%d, %s)", ng.MinSize, c.where(path+".min_size")), sizes)
	}
	if ng.DiskSizeGiB < 20 || ng.DiskSizeGiB > 16384 {
		c.add(path+".disk_size_gib", strconv.Itoa(ng.DiskSizeGiB), "is outside 20 to 16384 GiB", "use at least 20 GiB (default 50)")
	}
	if ng.CapacityType != "ON_DEMAND" && ng.CapacityType != "SPOT" {
		c.add(path+".capacity_type", ng.CapacityType, "is not a capacity type", "use ON_DEMAND or SPOT")
	}
	if ng.AMIID == "" && !strings.HasPrefix(ng.AMIType, "AL2023_") {
		c.add(path+".ami_type", ng.AMIType, "is not an Amazon Linux 2023 AMI type; the enclave allocator setup needs AL2023 (AL2 has no EKS AMIs for Kubernetes >= 1.33)", "use AL2023_x86_64_STANDARD or AL2023_ARM_64_STANDARD")
	}
	validateNodeImage(c, ng, path)
	validateNodeUpdate(c, ng, path)
	validateNodeLabels(c, strategy, ng, path)
	seen := map[string]bool{}
	for k, sg := range ng.ExtraSecurityGroups {
		p := fmt.Sprintf("%s.extra_security_groups[%d]", path, k)
		switch {
		case !reSG.MatchString(sg):
			c.add(p, sg, "is not a security group id", "use ids such as sg-0123456789abcdef0")
		case seen[sg]:
			c.add(p, sg, "is listed twice", "list each security group once")
		}
		seen[sg] = true
	}
}

// validateNodeImage checks the custom AMI and the release pin: a custom
// AMI takes neither an AMI type nor a release version.
func validateNodeImage(c *collector, ng NodeGroup, path string) {
	if ng.AMIID != "" {
		if !reAMI.MatchString(ng.AMIID) {
			c.add(path+".ami_id", ng.AMIID, "is not an AMI id", "use an id such as ami-0123456789abcdef0 of an Amazon Linux 2023 based AMI")
		}
		if _, written := c.lines[path+".ami_type"]; written {
			c.add(path+".ami_type", ng.AMIType, "cannot be set with ami_id ("+c.where(path+".ami_id")+"): EKS takes a custom AMI's type as CUSTOM", "remove ami_type, or remove ami_id to use the EKS optimized AMI")
		}
		if ng.AMIReleaseVersion != "" {
			c.add(path+".ami_release_version", ng.AMIReleaseVersion, "cannot be set with ami_id ("+c.where(path+".ami_id")+"): EKS refuses a release version for a custom AMI", "remove ami_release_version, or remove ami_id to pin an EKS optimized AMI release")
		}
	}
	if v := ng.AMIReleaseVersion; v != "" && !reAMIRelease.MatchString(v) {
		c.add(path+".ami_release_version", v, "is not an EKS AMI release version (<Kubernetes major.minor.patch>-<YYYYMMDD>)", "use a release such as 1.33.8-20260304 for the cluster's Kubernetes version, from the EKS AMI release notes")
	}
}

// validateNodeUpdate checks how many nodes an update may take down.
func validateNodeUpdate(c *collector, ng NodeGroup, path string) {
	_, count := c.lines[path+".max_unavailable"]
	_, share := c.lines[path+".max_unavailable_percentage"]
	if count && share {
		c.add(path+".max_unavailable_percentage", strconv.Itoa(ng.MaxUnavailablePercentage), "cannot be set with max_unavailable ("+c.where(path+".max_unavailable")+"): EKS takes one of the two", "keep max_unavailable or max_unavailable_percentage")
	}
	if count && (ng.MaxUnavailable < 1 || ng.MaxUnavailable > maxNodeGroupSize) {
		c.add(path+".max_unavailable", strconv.Itoa(ng.MaxUnavailable), fmt.Sprintf("is outside 1 to %d nodes", maxNodeGroupSize), "use a number of nodes such as 1")
	}
	if share && (ng.MaxUnavailablePercentage < 1 || ng.MaxUnavailablePercentage > 100) {
		c.add(path+".max_unavailable_percentage", strconv.Itoa(ng.MaxUnavailablePercentage), "is outside 1 to 100 percent", "use a percentage such as 33")
	}
}

// validateNodeLabels checks the extra node labels: Kubernetes syntax, no
// reserved prefix, and none of the scheduling labels the app sets itself.
func validateNodeLabels(c *collector, strategy Strategy, ng NodeGroup, path string) {
	for _, k := range slices.Sorted(maps.Keys(ng.Labels)) {
		p, v := path+".labels."+k, ng.Labels[k]
		prefix, name, hasPrefix := strings.Cut(k, "/")
		if !hasPrefix {
			prefix, name = "", k
		}
		switch {
		case !reLabelName.MatchString(name) || (hasPrefix && (len(prefix) > 253 || !reDNSSubdom.MatchString(prefix))):
			c.add(p, k, "is not a Kubernetes label key", "use an optional DNS-subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.', such as nodepool")
		case slices.Contains(SchedulingLabelKeys[strategy], k):
			c.add(p, k, "is a scheduling label the app sets on the enclave nodes", "remove it; the strategy's scheduling labels are set for you")
		case !reLabelValue.MatchString(v):
			c.add(p, v, "is not a Kubernetes label value", "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
		}
	}
}

func validateEnclave(c *collector, m *Managed, path string) {
	e := m.Enclave
	if len(e.PCR0) == 0 {
		c.add(path+".pcr0", "", "is required: without an allowed image measurement no enclave could decrypt", "list the SHA-384 PCR0 of your enclave image (96 hex characters), from nitro-cli describe-eif")
	}
	seen := map[string]bool{}
	for k, v := range e.PCR0 {
		p := fmt.Sprintf("%s.pcr0[%d]", path, k)
		if !reHex96.MatchString(v) {
			c.add(p, v, pcrProblem(v), "use the 96-hex-character SHA-384 measurement")
		} else if seen[strings.ToLower(v)] {
			c.add(p, v, "is listed twice", "list each measurement once")
		}
		seen[strings.ToLower(v)] = true
	}
	for name, v := range map[string]string{"pcr1": e.PCR1, "pcr2": e.PCR2} {
		if v != "" && !reHex96.MatchString(v) {
			c.add(path+"."+name, v, pcrProblem(v), "use the 96-hex-character SHA-384 measurement or leave it out")
		}
	}
	validateEnclaveSize(c, m, path)
}

func pcrProblem(v string) string {
	if len(v) == 96 {
		return "has 96 characters but not all are hexadecimal"
	}
	return fmt.Sprintf("has %d characters; a SHA-384 measurement has 96 hexadecimal characters", len(v))
}

func validateKubernetes(c *collector, m *Managed, path string) {
	for field, v := range map[string]string{"namespace": m.Kubernetes.Namespace, "service_account": m.Kubernetes.ServiceAccount, "config_map": m.Kubernetes.ConfigMap} {
		if !reDNSLabel.MatchString(v) || len(v) > 63 {
			c.add(path+"."+field, v, "is not a Kubernetes DNS-1123 label", "use at most 63 lowercase letters, digits and hyphens")
		}
	}
}

func validateRDS(c *collector, m *Managed, path string) {
	r := m.RDS
	// The port is bounded even when the database is off, like every number.
	if r.Port < 1150 || r.Port > 65535 {
		c.add(path+".port", strconv.Itoa(r.Port), "is outside the ports RDS accepts", "use 1150 to 65535 (default 5432)")
	}
	if !r.Enabled {
		return
	}
	if !reEngineVer.MatchString(r.EngineVersion) {
		c.add(path+".engine_version", r.EngineVersion, "is not a PostgreSQL version", "use a version such as 17.2")
	}
	if !reDBName.MatchString(r.DBName) {
		c.add(path+".db_name", r.DBName, "is not a database name", "start with a letter; letters, digits and underscores")
	}
	if !strings.HasPrefix(r.InstanceClass, "db.") {
		c.add(path+".instance_class", r.InstanceClass, "is not an RDS instance class", "use a class such as db.t4g.medium")
	}
	const maxStorage = 65536
	if r.AllocatedStorageGiB < 20 || r.AllocatedStorageGiB > maxStorage {
		c.add(path+".allocated_storage_gib", strconv.Itoa(r.AllocatedStorageGiB), fmt.Sprintf("is outside 20 to %d GiB", maxStorage), "use at least 20 GiB (default 50)")
	} else if r.MaxAllocatedStorageGiB < r.AllocatedStorageGiB || r.MaxAllocatedStorageGiB > maxStorage {
		c.add(path+".max_allocated_storage_gib", strconv.Itoa(r.MaxAllocatedStorageGiB), fmt.Sprintf("must be from allocated_storage_gib (%d, %s) to %d GiB", r.AllocatedStorageGiB, c.where(path+".allocated_storage_gib"), maxStorage), "raise it to at least allocated_storage_gib")
	}
	if r.BackupRetentionDays < 1 || r.BackupRetentionDays > 35 {
		c.add(path+".backup_retention_days", strconv.Itoa(r.BackupRetentionDays), "is outside 1 to 35 days (0 would turn automated backups off)", "keep backups for 1 to 35 days (default 7)")
	}
	if !slices.Contains([]int{0, 1, 5, 10, 15, 30, 60}, r.MonitoringInterval) {
		c.add(path+".monitoring_interval", strconv.Itoa(r.MonitoringInterval), "is not an enhanced-monitoring interval", "use 0 (off), 1, 5, 10, 15, 30 or 60 seconds")
	}
	if r.MonitoringRoleARN != "" {
		if !reRoleARN.MatchString(r.MonitoringRoleARN) {
			c.add(path+".monitoring_role_arn", r.MonitoringRoleARN, "is not an IAM role ARN", "use arn:aws:iam::<account>:role/<name>")
		} else if r.MonitoringInterval == 0 {
			c.add(path+".monitoring_role_arn", r.MonitoringRoleARN, "is set but enhanced monitoring is off", "set monitoring_interval, or remove monitoring_role_arn")
		}
	}
	if d := r.PasswordRotationDays; d < 0 || d > 365 {
		c.add(path+".password_rotation_days", strconv.Itoa(d), "is outside 0 to 365 days", "rotate every 1 to 365 days, or 0 for the Secrets Manager default")
	}
}

func validateStrategyOptions(c *collector, env *Environment, m *Managed, path string) {
	switch env.Strategy {
	case KubeIP:
		if !reLogLevel.MatchString(m.KubeIP.LogLevel) {
			c.add(path+".kubeip.log_level", m.KubeIP.LogLevel, "is not a log level", "use debug, info, warning or error (the values KubeIP accepts)")
		}
		if m.KubeIP.Addresses < 1 || m.KubeIP.Addresses > maxAddresses {
			c.add(path+".kubeip.addresses", strconv.Itoa(m.KubeIP.Addresses), fmt.Sprintf("must be 1 to %d (the default Elastic IP quota is %d per region)", maxAddresses, maxAddresses), "publish one address per enclave node")
		}
		if !reDNSLabel.MatchString(m.KubeIP.Namespace) {
			c.add(path+".kubeip.namespace", m.KubeIP.Namespace, "is not a Kubernetes namespace name", "use kube-system or another DNS-1123 label")
		}
		if m.KubeIP.Version != "" && !reVersion.MatchString(m.KubeIP.Version) {
			c.add(path+".kubeip.version", m.KubeIP.Version, "must be a released version, never latest", "use a version such as 2.4.1")
		}
		for k, cidr := range m.Firewall.ExtraCIDRs {
			p := fmt.Sprintf("%s.firewall.extra_cidrs[%d]", path, k)
			pfx, err := netip.ParsePrefix(cidr)
			switch {
			case err != nil:
				c.add(p, cidr, "is not a CIDR block", "use a block such as 198.51.100.0/24")
			case pfx.Bits() == 0:
				c.add(p, cidr, "opens the MPC ports to the whole internet", "admit only the networks that need the MPC ports")
			}
		}
		for k, sg := range m.Firewall.ExtraSecurityGroups {
			if !reSG.MatchString(sg) {
				c.add(fmt.Sprintf("%s.firewall.extra_security_groups[%d]", path, k), sg, "is not a security group id", "use ids such as sg-0123456789abcdef0")
			}
		}
	case PrivateLink:
		pfx, err := netip.ParsePrefix(m.PrivateLink.VPCCIDR)
		switch {
		case m.PrivateLink.VPCCIDR == "":
			c.add(path+".privatelink.vpc_cidr", "", "is required for privatelink: the NLB admits the MPC ports from the cluster VPC", "set the CIDR of the cluster's VPC, for example 10.0.0.0/16")
		case err != nil || !pfx.Addr().Is4():
			c.add(path+".privatelink.vpc_cidr", m.PrivateLink.VPCCIDR, "is not an IPv4 CIDR block", "use a block such as 10.0.0.0/16")
		case pfx.Bits() == 0:
			c.add(path+".privatelink.vpc_cidr", m.PrivateLink.VPCCIDR, "would admit every address", "use the cluster VPC's CIDR")
		}
		if z := m.PrivateLink.Route53ZoneID; z != "" && !reZoneID.MatchString(z) {
			c.add(path+".privatelink.route53_zone_id", z, "is not a Route53 hosted zone id", "use an id such as Z0123456789ABCDEFGHIJ")
		}
	}
}

// validateNames checks every derived AWS and Kubernetes name against its service's limits.
// roleName checks an IAM role name: an override against IAM's character set
// and length, a derived name against the length only (its characters come
// from checked names).
func roleName(c *collector, field, override, name string, derived func(field, name, what string, limit int)) {
	switch {
	case override == "":
		derived("name", name, "IAM role", maxRoleName)
	case len(override) > maxRoleName:
		c.add(field, override, fmt.Sprintf("is %d characters, over the IAM role name limit of %d", len(override), maxRoleName), fmt.Sprintf("use at most %d characters", maxRoleName))
	case !reRoleName.MatchString(override):
		c.add(field, override, "is not a valid IAM role name", "use letters, digits and + = , . @ _ - only")
	}
}

// validateKeyARN checks a reference to an existing KMS key: a key ARN (an
// alias ARN cannot be the resource of a grant) in the party's region, since
// KMS keys are regional and the party's services call its regional endpoint.
func validateKeyARN(c *collector, p *Party, path, arn string) {
	if arn == "" {
		return
	}
	m := reKeyARN.FindStringSubmatch(arn)
	switch {
	case m == nil:
		c.add(path, arn, "is not a KMS key ARN", "use arn:aws:kms:<region>:<12-digit account>:key/<key id>, the key's ARN (not an alias)")
	case m[1] != p.Region:
		c.add(path, arn, fmt.Sprintf("is in region %s, not the party's region %s", m[1], p.Region), "use a key in the party's region (a multi-Region replica there)")
	}
}

// maxRoleName is IAM's limit on role names.
const maxRoleName = 64

func validateNames(c *collector, env *Environment, p *Party, path string) {
	n := env.Names(p)
	check := func(field, name, what string, limit int) {
		if len(name) > limit {
			c.add(path+"."+field, name, fmt.Sprintf("the derived %s name is %d characters, over the limit of %d", what, len(name), limit), "shorten the environment or party name (or the field)")
		}
	}
	buckets := []string{n.PrivateBucket, n.PublicBucket}
	if p.Managed.Backup.On() {
		buckets = append(buckets, n.BackupBucket, n.ReplicaBucket)
		check("name", n.ReplicationRole, "IAM role", 64)
	}
	for _, b := range buckets {
		if len(b) > 63 || !reS3Bucket.MatchString(b) {
			c.add(path+".vault.bucket_prefix", b, "the derived bucket name is not a valid S3 name of at most 63 characters", "set a shorter bucket_prefix of lowercase letters, digits and hyphens")
			break
		}
	}
	roleName(c, path+".iam.party_role_name", p.Managed.IAM.PartyRoleName, n.PartyRole, check)
	roleName(c, path+".iam.connector_role_name", p.Managed.IAM.ConnectorRoleName, n.ConnectorRole, check)
	if n.PartyRole == n.ConnectorRole {
		c.add(path+".iam.connector_role_name", n.ConnectorRole, "is the party role's name as well; each identity needs its own role", "choose a different connector_role_name")
	}
	for _, other := range []string{n.KubeIPRole, n.NodeRole} {
		for _, r := range []struct{ field, set, name string }{{"party_role_name", p.Managed.IAM.PartyRoleName, n.PartyRole}, {"connector_role_name", p.Managed.IAM.ConnectorRoleName, n.ConnectorRole}} {
			if r.set != "" && r.name == other {
				c.add(path+".iam."+r.field, r.set, "is the name of another role of the party (KubeIP agent or enclave nodes)", "choose a name no other role of the party uses")
			}
		}
	}
	if p.Managed.Connector.Enabled {
		check("kubernetes.service_account", kmsconnector.ServiceAccountName(p.Managed.Kubernetes.ServiceAccount), "connector ServiceAccount", 63)
	}
	check("name", n.KubeIPRole, "IAM role", 64)
	check("name", n.NodeRole, "IAM role", 64)
	check("name", n.NodeGroup, "EKS node group", 63)
	if p.ID >= 1 && p.ID <= maxParties {
		// An id out of range is reported already; its name would only repeat it.
		check("name", n.LongestTargetGroup(), "load balancer target group", 32)
	}
	if p.Managed.RDS.Enabled {
		check("rds.db_name", n.RDSIdentifier, "RDS identifier", 63)
	}
	for _, l := range Layers {
		check("name", env.StackName(p, l), "stack", 63)
	}
}

// pinnedImage reports whether ref names an image by a digest or by a tag
// other than latest: a scheduled job must run the same code on every run.
func pinnedImage(ref string) bool {
	if !reImage.MatchString(ref) {
		return false
	}
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && tag != "" && !strings.EqualFold(tag, "latest")
}

// validateTrustSync checks the external parties' public vaults: each must
// be a valid bucket and region, and it is required of every external peer
// whose CA certificate a managed party of the file syncs.
func validateTrustSync(c *collector, env *Environment) {
	syncing := ""
	for _, p := range env.ManagedParties() {
		if p.Managed.TrustSync.Enabled {
			syncing = p.Name
			break
		}
	}
	for i := range env.Parties {
		p := &env.Parties[i]
		if p.External == nil || p.Managed != nil {
			continue
		}
		path := fmt.Sprintf("parties[%d].external.public_vault", i)
		v := p.External.PublicVault
		if v == nil {
			if syncing != "" && (p.SyncCA == nil || *p.SyncCA) {
				c.add(path, "", fmt.Sprintf("is required: %s syncs this party's CA certificate from its public vault (managed.trust_sync)", syncing),
					fmt.Sprintf("paste the block the party's make peers-export prints (it carries public_vault), or set parties[%d].sync_ca: false", i))
			}
			continue
		}
		if len(v.Bucket) > 63 || !reS3Bucket.MatchString(v.Bucket) {
			c.add(path+".bucket", v.Bucket, "is not a valid S3 bucket name", "set the party's public vault bucket (3-63 lowercase letters, digits and hyphens), as make peers-export prints it")
		}
		if !reRegion.MatchString(v.Region) {
			c.add(path+".region", v.Region, "is not an AWS region name", "set the bucket's region, for example eu-west-1, or leave it out for the party's region")
		}
	}
}
