package config_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/attestedkey"
	"github.com/mpc-mesh/infra/constructs/backupvault"
	"github.com/mpc-mesh/infra/constructs/deviceplugin"
	"github.com/mpc-mesh/infra/constructs/kubeip"
	"github.com/mpc-mesh/infra/constructs/mpchelm"
	"github.com/mpc-mesh/infra/constructs/nodegroup"
	"github.com/mpc-mesh/infra/constructs/partyk8s"
	"github.com/mpc-mesh/infra/constructs/rds"
	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/mesh"
)

const testPCR0 = "5292569b5945693afcde78e5a0045f4bf8c0a594d174baf1e6bccdf0e6338ebe46e89207054e0c48d0ec6deef80284ac"

// load writes an environment file with two managed parties, the first
// completed by extra YAML lines under managed:, and loads it.
func load(t *testing.T, network, extra string) (*config.Environment, config.Errors) {
	t.Helper()
	party := func(id int, name, more string) string {
		managed := "      cluster_name: c-" + name + "\n"
		if !strings.Contains(more, "enclave:") {
			managed += "      enclave: { pcr0: [\"" + testPCR0 + "\"] }\n"
		}
		if !strings.Contains(more, "helm:") {
			managed += "      helm: { image: { tag: v0.14.0 } }\n"
		}
		return fmt.Sprintf("  - id: %d\n    name: %s\n    account_id: \"111122223333\"\n    region: eu-west-1\n    managed:\n%s%s", id, name, managed, more)
	}
	doc := "name: demo\nstrategy: kubeip\nnetwork: " + network + "\nthreshold: { parties: 4 }\nparties:\n" + party(1, "a", extra) + party(2, "b", "")
	file := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.LoadFile(file)
}

// TestConfigDefaultsAgreeWithConstructDefaults keeps one value for every
// default that both an environment file and a construct fill in: a party
// that sets nothing gets what the construct would choose by itself.
func TestConfigDefaultsAgreeWithConstructDefaults(t *testing.T) {
	env, errs := load(t, "testnet", "")
	if errs != nil {
		t.Fatal(errs)
	}
	m := env.Parties[0].Managed
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"instance type", m.NodeGroup.InstanceTypes[0], nodegroup.DefaultInstanceType},
		{"AMI type", m.NodeGroup.AMIType, nodegroup.DefaultAMIType},
		{"disk size", m.NodeGroup.DiskSizeGiB, nodegroup.DefaultDiskSizeGiB},
		{"capacity type", m.NodeGroup.CapacityType, nodegroup.DefaultCapacityType},
		{"node group scaling", nodegroup.Scaling{Min: m.NodeGroup.MinSize, Max: m.NodeGroup.MaxSize, Desired: m.NodeGroup.DesiredSize}, nodegroup.DefaultScaling},
		{"device plugin image", m.DevicePlugin.Image, deviceplugin.DefaultImage},
		{"device plugin limits", map[string]string{"cpu": m.DevicePlugin.Resources.Limits.CPU, "memory": m.DevicePlugin.Resources.Limits.Memory}, deviceplugin.DefaultLimits},
		{"device plugin requests", map[string]string{"cpu": m.DevicePlugin.Resources.Requests.CPU, "memory": m.DevicePlugin.Resources.Requests.Memory}, deviceplugin.DefaultRequests},
		{"node group max unavailable", m.NodeGroup.MaxUnavailable, nodegroup.DefaultMaxUnavailable},
		{"KubeIP scheduling labels", config.SchedulingLabelKeys[config.KubeIP], slices.Sorted(maps.Keys(nodegroup.KubeIPLabels()))},
		{"PrivateLink scheduling labels", config.SchedulingLabelKeys[config.PrivateLink], slices.Sorted(maps.Keys(nodegroup.PrivateLinkLabels()))},
		{"KMS deletion window", m.KMS.DeletionWindowDays, attestedkey.DefaultDeletionWindowDays},
		{"ConfigMap name", m.Kubernetes.ConfigMap, partyk8s.DefaultConfigMapName},
		{"KubeIP namespace", m.KubeIP.Namespace, kubeip.DefaultNamespace},
		{"RDS engine", m.RDS.EngineVersion, rds.DefaultEngineVersion},
		{"RDS class", m.RDS.InstanceClass, rds.DefaultInstanceClass},
		{"RDS database", m.RDS.DBName, rds.DefaultDBName},
		{"RDS port", m.RDS.Port, rds.DefaultPort},
		{"RDS storage", []int{m.RDS.AllocatedStorageGiB, m.RDS.MaxAllocatedStorageGiB}, []int{rds.DefaultAllocatedStorage, rds.DefaultMaxAllocatedStorage}},
		{"RDS backups", m.RDS.BackupRetentionDays, rds.DefaultBackupRetentionDays},
		{"chart", m.Helm.Chart, mpchelm.DefaultChart},
		{"chart version", m.Helm.Version, kmscore.Version},
		{"image", m.Helm.Image.Name, mpchelm.DefaultImage},
		{"release name", m.Helm.ReleaseName, kmscore.DefaultReleaseName(1)},
		{"release timeout", m.Helm.TimeoutSeconds, mpchelm.DefaultTimeoutSeconds},
		{"backup retention", m.Backup.NoncurrentVersionDays, backupvault.DefaultNoncurrentVersionDays},
		{"ports", []int{env.Ports.GRPC, env.Ports.Peer, env.Ports.Metrics}, []int{mesh.GRPCPort, mesh.PeerPort, mesh.MetricsPort}},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: config default %v, construct default %v", c.what, c.got, c.want)
		}
	}
}

// TestEnclaveSizeDefaultsFromTheSmallestInstanceType checks the one enclave
// size the allocator and the chart share: 75% of the smallest instance
// type, even vCPUs and whole GiB.
func TestEnclaveSizeDefaultsFromTheSmallestInstanceType(t *testing.T) {
	for _, c := range []struct {
		types          string
		cpus, memoryMi int
	}{
		{"[m5.2xlarge]", 6, 24576},
		{"[c6i.2xlarge]", 6, 12288},
		{"[m5.xlarge]", 2, 12288},
		{"[c7a.16xlarge]", 48, 98304},
		{"[r6i.4xlarge, m5.2xlarge]", 6, 24576},
	} {
		env, errs := load(t, "testnet", "      nodegroup: { instance_types: "+c.types+" }\n")
		if errs != nil {
			t.Fatalf("%s: %v", c.types, errs)
		}
		e := env.Parties[0].Managed.Enclave
		if e.CPUCount != c.cpus || e.MemoryMiB != c.memoryMi {
			t.Errorf("%s: enclave %d CPUs / %d MiB, want %d / %d", c.types, e.CPUCount, e.MemoryMiB, c.cpus, c.memoryMi)
		}
	}
}

// TestEnclaveSizeOfAnUnknownInstanceTypeMustBeGiven refuses to guess.
func TestEnclaveSizeOfAnUnknownInstanceTypeMustBeGiven(t *testing.T) {
	_, errs := load(t, "testnet", "      nodegroup: { instance_types: [m5.metal] }\n")
	if !strings.Contains(errs.Error(), "enclave.cpu_count: is required: the size of instance type m5.metal is not known") {
		t.Errorf("errors = %v", errs)
	}
	if _, errs := load(t, "testnet", "      nodegroup: { instance_types: [m5.metal] }\n      enclave: { pcr0: [\""+testPCR0+"\"], cpu_count: 64, memory_mib: 262144 }\n"); errs != nil {
		t.Errorf("explicit size refused: %v", errs)
	}
}

// TestPeerTLSIsOnByDefaultOnMainnet and needs trusted releases there.
func TestPeerTLSIsOnByDefaultOnMainnet(t *testing.T) {
	env, errs := load(t, "testnet", "")
	if errs != nil || *env.PeerTLS.Enabled {
		t.Fatalf("testnet: peer TLS %v, errors %v", env.PeerTLS.Enabled, errs)
	}
	_, errs = load(t, "mainnet", "")
	if !strings.Contains(errs.Error(), "peer_tls.trusted_releases: is required when peer TLS is on") {
		t.Errorf("mainnet without trusted releases: %v", errs)
	}
}

// TestHelmValuesAreCheckedAgainstTheChart accepts the chart's own keys and
// free-form maps, and refuses unknown and app-owned ones.
func TestHelmValuesAreCheckedAgainstTheChart(t *testing.T) {
	ok := "      helm:\n        image: { tag: v0.14.0 }\n        values:\n          rustLog: debug\n          kmsCore:\n            affinity: { podAntiAffinity: {} }\n            thresholdMode: { decCapacity: 5000 }\n"
	if _, errs := load(t, "testnet", ok); errs != nil {
		t.Errorf("chart keys refused: %v", errs)
	}
	bad := "      helm:\n        image: { tag: v0.14.0 }\n        values:\n          kmsCore:\n            replicas: 3\n            nitroEnclave: { cpuCount: 8 }\n"
	_, errs := load(t, "testnet", bad)
	for _, want := range []string{"helm.values.kmsCore.replicas: is not a value of the kms-core 1.9.1 chart", "helm.values.kmsCore.nitroEnclave.cpuCount: is set by the app from the environment; fix: set enclave.cpu_count"} {
		if !strings.Contains(errs.Error(), want) {
			t.Errorf("want %q in %v", want, errs)
		}
	}
}

// TestGRPCPortIsNotPublishedByDefault keeps the client port private unless
// an environment asks for it; the services still listen on it.
func TestGRPCPortIsNotPublishedByDefault(t *testing.T) {
	env, errs := load(t, "testnet", "")
	if errs != nil {
		t.Fatal(errs)
	}
	if got := fmt.Sprint(env.PortList()); got != "[{peer 50001} {metrics 9646}]" {
		t.Errorf("published ports = %s, want peer and metrics only", got)
	}
	if got := fmt.Sprint(env.ServicePorts()); got != "[{grpc 50100} {peer 50001} {metrics 9646}]" {
		t.Errorf("service ports = %s, want all three", got)
	}
	yes := true
	env.Ports.ExposeGRPC = &yes
	if got := fmt.Sprint(env.PortList()); got != "[{grpc 50100} {peer 50001} {metrics 9646}]" {
		t.Errorf("expose_grpc: true publishes %s, want all three", got)
	}
}

// TestCustomAMIHasNoAMIType: a custom AMI leaves ami_type unset (EKS takes
// it as CUSTOM) and a percentage replaces the default count.
func TestCustomAMIHasNoAMIType(t *testing.T) {
	env, errs := load(t, "testnet", "      nodegroup: { ami_id: ami-0123456789abcdef0, max_unavailable_percentage: 50 }\n")
	if errs != nil {
		t.Fatal(errs)
	}
	ng := env.Parties[0].Managed.NodeGroup
	if ng.AMIType != "" || ng.MaxUnavailable != 0 || ng.MaxUnavailablePercentage != 50 {
		t.Errorf("ami_type %q, max_unavailable %d, percentage %d; want none, 0, 50", ng.AMIType, ng.MaxUnavailable, ng.MaxUnavailablePercentage)
	}
}

// TestRoleNameOverridesReplaceTheDerivedNames: the overrides are the names
// the stacks create; without them the names are derived.
func TestRoleNameOverridesReplaceTheDerivedNames(t *testing.T) {
	env, errs := load(t, "testnet", "      iam: { party_role_name: kms-core-irsa, connector_role_name: kms-connector-irsa }\n")
	if errs != nil {
		t.Fatal(errs)
	}
	if n := env.Names(&env.Parties[0]); n.PartyRole != "kms-core-irsa" || n.ConnectorRole != "kms-connector-irsa" {
		t.Errorf("role names = %q, %q; want the overrides", n.PartyRole, n.ConnectorRole)
	}
	if n := env.Names(&env.Parties[1]); n.PartyRole != "mpc-demo-b-party" || n.ConnectorRole != "mpc-demo-b-connector" {
		t.Errorf("derived role names = %q, %q", n.PartyRole, n.ConnectorRole)
	}
}

// The backup is on by default on mainnet and off on testnet, and so is its
// prevent_destroy; an explicit setting wins on either network.
func TestBackupDefaultsFollowTheNetwork(t *testing.T) {
	for _, tc := range []struct {
		network, backup    string
		enabled, protected bool
	}{
		{"testnet", "{}", false, false},
		{"testnet", "{ enabled: true, replica_region: eu-west-3 }", true, false},
		{"mainnet", "{ replica_region: eu-central-1 }", true, true},
		{"mainnet", "{ enabled: false, prevent_destroy: false }", false, false},
	} {
		var parties strings.Builder
		for id, name := range []string{"a", "b"} {
			fmt.Fprintf(&parties, "  - id: %d\n    name: %s\n    account_id: \"111122223333\"\n    region: eu-west-1\n    managed:\n      cluster_name: c-%s\n      enclave: { pcr0: [\"%s\"] }\n      helm: { image: { tag: v0.14.0 } }\n      backup: %s\n", id+1, name, name, testPCR0, tc.backup)
		}
		doc := "name: demo\nstrategy: kubeip\nnetwork: " + tc.network + "\npeer_tls: { enabled: false }\nthreshold: { parties: 4 }\nparties:\n" + parties.String()
		file := filepath.Join(t.TempDir(), "demo.yaml")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		env, errs := config.LoadFile(file)
		if errs != nil {
			t.Fatalf("%s %s: %v", tc.network, tc.backup, errs)
		}
		b := env.Parties[0].Managed.Backup
		if b.On() != tc.enabled || *b.PreventDestroy != tc.protected {
			t.Errorf("%s %s: backup on %v, prevent_destroy %v; want %v, %v", tc.network, tc.backup, b.On(), *b.PreventDestroy, tc.enabled, tc.protected)
		}
	}
}
