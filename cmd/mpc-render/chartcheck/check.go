// Package chartcheck checks a party's MPC services release, rendered with
// the real kms-core chart from the synthesized cluster stack, against what
// the environment demands: one pod per party with the party's id, the
// enclave sized like the node's allocator, the vaults and attested key
// wired, every peer listed, the ConfigMap the pod reads complete, host
// ports under KubeIP, and the pod scheduled on the enclave nodes. Operators
// run it through `make render`; the tests run it over every example
// environment.
package chartcheck

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/kmsconnector"
	"github.com/mpc-mesh/infra/internal/kmscore"
	"github.com/mpc-mesh/infra/internal/manifest"
	"github.com/mpc-mesh/infra/internal/mesh"
	"github.com/mpc-mesh/infra/internal/release"
	"github.com/mpc-mesh/infra/internal/tfjson"
)

// Expectation is what the environment demands of one party's release.
type Expectation struct {
	// PartyID is the pod's ordinal and threshold id.
	PartyID int
	// Threshold is t.
	Threshold int
	// Image is name:tag of the enclave image.
	Image string
	// EnclaveCPUs and EnclaveMemoryGiB are what the node's allocator reserves.
	EnclaveCPUs, EnclaveMemoryGiB int
	// Region is the party's AWS region.
	Region string
	// PrivateBucket and PublicBucket are the vault buckets.
	PrivateBucket, PublicBucket string
	// RootKeyStack is the stack whose attested KMS key wraps the private vault.
	RootKeyStack string
	// RootKeyARN is the existing key that wraps the private vault instead
	// (kms.core_key_arn), empty when the attested key is created.
	RootKeyARN string
	// ConnectorKeys are the party ConfigMap keys the KMS connector reads:
	// the connector, deployed by its own chart, is the other reader of the
	// ConfigMap besides the release's containers. Empty without a connector.
	ConnectorKeys []string
	// Backup is whether the party keeps a backup vault; BackupBucket is its
	// bucket, and the backup key is a KMS key of RootKeyStack.
	Backup       bool
	BackupBucket string
	// ServiceAccount is the party's ServiceAccount; RoleStack the stack of its IRSA role.
	ServiceAccount, RoleStack string
	// ConfigMap is the party ConfigMap the pod reads.
	ConfigMap string
	// Peers are every party of the mesh: id to the host others dial it at.
	Peers map[int]string
	// PeerPort is the threshold port.
	PeerPort int
	// TLS is peer TLS, with the trusted releases as pcr0/pcr1/pcr2 triples.
	TLS             bool
	TrustedReleases [][3]string
	// HostPorts are the ports kms-core must bind on its node: the published
	// MPC ports under KubeIP, none under PrivateLink.
	HostPorts []int
	// NodeLabels and NodeTaints are the enclave node group's, read from the
	// party stack; NodeTaints as key=value:Effect.
	NodeLabels map[string]string
	NodeTaints []string
}

// Expect derives the expectation of a managed party from its environment
// and from its synthesized party stack (node labels and taints) and the
// peers' provider stacks (Elastic IPs).
func Expect(env *config.Environment, p *config.Party, st release.Stacks) Expectation {
	m := p.Managed
	names := env.Names(p)
	partyStack := env.StackName(p, config.LayerParty)
	e := Expectation{
		PartyID:          p.ID,
		Threshold:        env.Threshold.Value,
		Image:            m.Helm.Image.Name + ":" + m.Helm.Image.Tag,
		EnclaveCPUs:      m.Enclave.CPUCount,
		EnclaveMemoryGiB: m.Enclave.MemoryMiB / 1024,
		Region:           p.Region,
		PrivateBucket:    names.PrivateBucket,
		PublicBucket:     names.PublicBucket,
		RootKeyStack:     partyStack,
		RootKeyARN:       m.KMS.CoreKeyARN,
		Backup:           m.Backup.On(),
		BackupBucket:     names.BackupBucket,
		RoleStack:        partyStack,
		ServiceAccount:   m.Kubernetes.ServiceAccount,
		ConfigMap:        m.Kubernetes.ConfigMap,
		Peers:            map[int]string{},
		PeerPort:         env.Ports.Peer,
		TLS:              *env.PeerTLS.Enabled,
		NodeLabels:       map[string]string{},
	}
	for _, r := range env.PeerTLS.TrustedReleases {
		e.TrustedReleases = append(e.TrustedReleases, [3]string{r.PCR0, r.PCR1, r.PCR2})
	}
	if env.Strategy == config.KubeIP {
		for _, port := range env.PortList() {
			e.HostPorts = append(e.HostPorts, port.Number)
		}
	}
	if m.Connector.Enabled {
		e.ConnectorKeys = kmsconnector.ConfigMapKeys
	}
	for i := range env.Parties {
		q := &env.Parties[i]
		switch {
		case env.Strategy == config.PrivateLink:
			e.Peers[q.ID] = mesh.ServiceName(q.ID)
		case q.External != nil:
			e.Peers[q.ID] = q.External.PublicIP
		default:
			// Known after apply: an Elastic IP of the peer's provider stack.
			e.Peers[q.ID] = elasticIPOf + env.StackName(q, config.LayerProvider)
		}
	}
	resources, _ := st[partyStack]["resource"].(tfjson.Object)
	groups, _ := resources["aws_eks_node_group"].(tfjson.Object)
	for _, v := range groups {
		g, _ := v.(tfjson.Object)
		labels, _ := g["labels"].(tfjson.Object)
		for k, x := range labels {
			e.NodeLabels[k] = fmt.Sprint(x)
		}
		for _, t := range tfjson.Blocks(g["taint"]) {
			e.NodeTaints = append(e.NodeTaints, fmt.Sprintf("%s=%s:%s", t["key"], t["value"], eksEffects[fmt.Sprint(t["effect"])]))
		}
	}
	sort.Strings(e.NodeTaints)
	return e
}

// eksEffects maps EKS taint effects to Kubernetes ones.
var eksEffects = map[string]string{"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}

// Check renders nothing; it reads the rendered release against the
// expectation and returns one line per property that does not hold.
func Check(rel *release.Release, r *release.Rendered, e Expectation) []string {
	c := &checker{}
	core := rel.Name + kmscore.CoreSuffix
	sets := r.Find("StatefulSet")
	if len(sets) != 1 {
		c.failf("want exactly one StatefulSet, the chart rendered %d", len(sets))
		return c.failures
	}
	set := sets[core]
	if set == nil {
		c.failf("want StatefulSet %s, got %v", core, keys(sets))
		return c.failures
	}
	c.equal("StatefulSet replicas (kms-core pods of this party)", release.Value(set, "spec", "replicas"), 1)
	c.equal("StatefulSet first ordinal (pod "+core+"-<party id>)", release.Value(set, "spec", "ordinals", "start"), e.PartyID)
	pod, _ := release.Value(set, "spec", "template", "spec").(release.Object)
	containers := list(pod["containers"])
	initContainers := list(pod["initContainers"])
	main := named(containers, "kms-core-enclave")
	if main == nil {
		c.failf("the kms-core container is not the enclave variant (no container kms-core-enclave; nitroEnclave.enabled off?)")
		return c.failures
	}
	c.equal("kms-core image", main["image"], e.Image)
	if strings.HasSuffix(fmt.Sprint(main["image"]), ":latest") {
		c.failf("kms-core image %v is not pinned", main["image"])
	}
	c.equal("enclave CPUs requested (aws.ec2.nitro/nitro_enclaves_cpus)", release.Value(main, "resources", "requests", "aws.ec2.nitro/nitro_enclaves_cpus"), e.EnclaveCPUs)
	c.equal("enclave huge pages requested", release.Value(main, "resources", "requests", "hugepages-1Gi"), fmt.Sprintf("%dGi", e.EnclaveMemoryGiB))
	c.equal("threshold id of the kms-core container", envValue(main, "KMS_CORE__THRESHOLD__MY_ID"), strconv.Itoa(e.PartyID))
	hostPorts := map[int]bool{}
	for _, ct := range append(append([]release.Object{}, initContainers...), containers...) {
		for _, p := range list(ct["ports"]) {
			if hp, ok := p["hostPort"]; ok {
				n, _ := strconv.Atoi(fmt.Sprint(hp))
				hostPorts[n] = true
				if fmt.Sprint(hp) != fmt.Sprint(p["containerPort"]) {
					c.failf("container %v maps host port %v to %v", ct["name"], hp, p["containerPort"])
				}
			}
		}
	}
	for _, p := range e.HostPorts {
		if !hostPorts[p] {
			c.failf("port %d is not bound on the node (hostPort): peers dialling the node's Elastic IP would get no answer", p)
		}
	}
	if len(e.HostPorts) == 0 && len(hostPorts) > 0 {
		c.failf("host ports %v are bound although peers reach the pod through the NLB", keys(hostPorts))
	}

	// The ConfigMap the pod reads, and the keys it reads from it.
	party := rel.ConfigMaps[e.ConfigMap]
	if party == nil {
		c.failf("the cluster stack writes no ConfigMap %s (has %v)", e.ConfigMap, keys(rel.ConfigMaps))
	}
	// Readers of the ConfigMap: the release's containers, and the KMS
	// connector for the keys it reads (it runs from its own chart, so its
	// keys are taken from its contract rather than from a rendering).
	read := map[string]bool{}
	for _, k := range e.ConnectorKeys {
		read[k] = true
		if party[k] == "" {
			c.failf("ConfigMap %s lacks key %s that the KMS connector reads", e.ConfigMap, k)
		}
	}
	for _, ct := range append(append([]release.Object{}, initContainers...), containers...) {
		for _, env := range list(ct["env"]) {
			ref, _ := release.Value(env, "valueFrom", "configMapKeyRef").(release.Object)
			if ref == nil {
				continue
			}
			if ref["name"] != e.ConfigMap {
				c.failf("container %v reads %v from ConfigMap %v, not the party's %s", ct["name"], ref["key"], ref["name"], e.ConfigMap)
				continue
			}
			key := fmt.Sprint(ref["key"])
			read[key] = true
			if _, ok := party[key]; !ok && ref["optional"] != true {
				c.failf("container %v reads key %s that ConfigMap %s lacks", ct["name"], key, e.ConfigMap)
			}
		}
	}
	for k := range party {
		if !read[k] {
			c.failf("ConfigMap %s key %s is read by no container of the release nor by the KMS connector", e.ConfigMap, k)
		}
	}
	c.equal("private vault bucket ("+kmscore.KeyPrivateBucket+")", party[kmscore.KeyPrivateBucket], e.PrivateBucket)
	c.equal("public vault bucket ("+kmscore.KeyPublicBucket+")", party[kmscore.KeyPublicBucket], e.PublicBucket)
	switch k := party[kmscore.KeyRootKeyID]; {
	case e.RootKeyARN != "":
		c.equal("root key ("+kmscore.KeyRootKeyID+"), the existing key", k, e.RootKeyARN)
	case !fromResource(k, e.RootKeyStack, "aws_kms_key"):
		c.failf("root key id %q is not the attested KMS key of %s", k, e.RootKeyStack)
	}
	c.equal("root key spec", party[kmscore.KeyRootKeySpec], kmscore.RootKeySpecSymmetric)
	if e.Backup {
		c.equal("backup vault bucket ("+kmscore.KeyBackupBucket+")", party[kmscore.KeyBackupBucket], e.BackupBucket)
		c.equal("backup vault prefix ("+kmscore.KeyBackupPrefix+")", party[kmscore.KeyBackupPrefix], kmscore.BackupPrefix)
		if k := party[kmscore.KeyBackupRootKeyID]; !fromResource(k, e.RootKeyStack, "aws_kms_key") {
			c.failf("backup root key id %q is not a KMS key of %s", k, e.RootKeyStack)
		}
		c.equal("backup root key spec", party[kmscore.KeyBackupRootKeySpec], kmscore.RootKeySpecAsymmetric)
		for _, k := range kmscore.BackupConfigMapKeys {
			if !read[k] {
				c.failf("backup key %s of ConfigMap %s is read by no container: the backup vault is off in the chart", k, e.ConfigMap)
			}
		}
	} else {
		for _, k := range kmscore.BackupConfigMapKeys {
			if read[k] {
				c.failf("a container reads %s but the party keeps no backup vault", k)
			}
		}
	}

	// The service account, its IRSA role, region and scheduling.
	c.equal("service account", pod["serviceAccountName"], e.ServiceAccount)
	if role, ok := rel.ServiceAccounts[e.ServiceAccount]; !ok {
		c.failf("the cluster stack writes no ServiceAccount %s", e.ServiceAccount)
	} else if !fromResource(role, e.RoleStack, "aws_iam_role") {
		c.failf("ServiceAccount %s is bound to %q, not the party role of %s", e.ServiceAccount, role, e.RoleStack)
	}
	if init := named(initContainers, "kms-core-init-load-env"); init == nil {
		c.failf("no init container kms-core-init-load-env")
	} else if args := fmt.Sprint(init["args"]); !strings.Contains(args, "AWS_REGION:="+e.Region+"}") {
		c.failf("the init container does not default AWS_REGION to %s", e.Region)
	}
	selector, _ := pod["nodeSelector"].(release.Object)
	if len(selector) == 0 {
		c.failf("kms-core has no node selector: it could land off the enclave nodes")
	}
	for k, v := range selector {
		if e.NodeLabels[k] != fmt.Sprint(v) {
			c.failf("node selector %s=%v is not a label of the enclave node group (labels %v)", k, v, e.NodeLabels)
		}
	}
	var tolerated []string
	for _, t := range list(pod["tolerations"]) {
		tolerated = append(tolerated, fmt.Sprintf("%v=%v:%v", t["key"], t["value"], t["effect"]))
	}
	for _, t := range e.NodeTaints {
		if !slices.Contains(tolerated, t) {
			c.failf("the enclave nodes' taint %s is not tolerated (tolerations %v)", t, tolerated)
		}
	}

	// The server configuration the chart writes: threshold, peers, enclave, vaults.
	cms := r.Find("ConfigMap")
	cfg := cms[core+"-config"]
	if cfg == nil {
		c.failf("no ConfigMap %s-config rendered", core)
		return c.failures
	}
	server := release.String(cfg, "data", "kms-server.toml")
	c.equal("threshold t in kms-server.toml", tomlInt(server, "threshold"), e.Threshold)
	peers := tomlPeers(server)
	if len(peers) != len(e.Peers) {
		c.failf("kms-server.toml lists %d peers, the mesh has %d parties", len(peers), len(e.Peers))
	}
	seen := map[int]bool{}
	for _, p := range peers {
		want, ok := e.Peers[p.id]
		switch {
		case !ok:
			c.failf("peer %d is not a party of the mesh", p.id)
		case seen[p.id]:
			c.failf("peer %d is listed twice", p.id)
		case strings.HasPrefix(want, elasticIPOf):
			if stack := strings.TrimPrefix(want, elasticIPOf); !fromResource(p.address, stack, "aws_eip") {
				c.failf("peer %d address %q is not an Elastic IP of %s", p.id, p.address, stack)
			}
		case p.address != want:
			c.failf("peer %d address %q, want %q", p.id, p.address, want)
		}
		if p.port != e.PeerPort {
			c.failf("peer %d port %d, want %d", p.id, p.port, e.PeerPort)
		}
		seen[p.id] = true
	}
	enclave := release.String(cfg, "data", "enclave.json")
	c.equal("enclave.json cpu_count", jsonInt(enclave, "cpu_count"), e.EnclaveCPUs)
	c.equal("enclave.json memory_mib", jsonInt(enclave, "memory_mib"), e.EnclaveMemoryGiB*1024)
	vaults := release.String(cfg, "data", "vaults.toml")
	for _, section := range []string{"[private_vault.storage.s3]", "[private_vault.keychain.aws_kms]", "[public_vault.storage.s3]"} {
		if !strings.Contains(vaults, section) {
			c.failf("vaults.toml has no %s", section)
		}
	}
	// The backup vault: S3 storage with its prefix, encrypted to the AWS KMS backup key.
	backupSections := []string{"[backup_vault.storage.s3]", "[backup_vault.keychain.aws_kms]"}
	for _, section := range backupSections {
		if has := strings.Contains(vaults, section); has != e.Backup {
			c.failf("vaults.toml has %s: %v, want %v (backup vault on: %v)", section, has, e.Backup, e.Backup)
		}
	}
	if e.Backup && !strings.Contains(vaults, "${"+kmscore.KeyBackupPrefix+"}") {
		c.failf("vaults.toml's backup vault has no prefix (%s)", kmscore.KeyBackupPrefix)
	}
	hasTLS := strings.Contains(server, "[threshold.tls.auto]")
	c.equal("peer TLS ([threshold.tls.auto])", hasTLS, e.TLS)
	if e.TLS {
		got := tomlReleases(server)
		if fmt.Sprint(got) != fmt.Sprint(e.TrustedReleases) {
			c.failf("trusted releases %v, want %v", got, e.TrustedReleases)
		}
	}
	return c.failures
}

// elasticIPOf marks an expected peer address known only after apply: an
// Elastic IP of the named provider stack.
const elasticIPOf = "elastic IP of "

// fromResource reports whether a resolved value is an attribute, known
// after apply, of a resource of a type in a stack.
func fromResource(v, stack, resourceType string) bool {
	return strings.HasPrefix(v, "unknown("+stack+"/"+resourceType+".")
}

type checker struct{ failures []string }

func (c *checker) failf(format string, args ...any) {
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
}

// equal compares a rendered value with the expected one by their printed form.
func (c *checker) equal(what string, got, want any) {
	if fmt.Sprint(got) != fmt.Sprint(want) {
		c.failf("%s is %v, want %v", what, got, want)
	}
}

func list(v any) []release.Object { return tfjson.Blocks(v) }

func named(objs []release.Object, name string) release.Object {
	for _, o := range objs {
		if o["name"] == name {
			return o
		}
	}
	return nil
}

func envValue(container release.Object, name string) any {
	for _, e := range list(container["env"]) {
		if e["name"] == name {
			return e["value"]
		}
	}
	return nil
}

// keys returns a map's keys, sorted.
func keys[K cmp.Ordered, V any](m map[K]V) []K { return slices.Sorted(maps.Keys(m)) }

var (
	reTomlInt   = regexp.MustCompile(`(?m)^\s*([a-z_]+)\s*=\s*(-?[0-9]+)\s*$`)
	reTomlStr   = regexp.MustCompile(`(?m)^\s*([a-z_0-9]+)\s*=\s*"([^"]*)"\s*$`)
	reJSONInt   = regexp.MustCompile(`"([a-z_]+)":\s*(-?[0-9.]+)`)
	reTomlTable = regexp.MustCompile(`(?m)^\s*\[\[([a-z_.]+)\]\]\s*$`)
)

// tomlInt is the first integer assignment of a key, -1 when absent.
func tomlInt(doc, key string) int {
	for _, m := range reTomlInt.FindAllStringSubmatch(doc, -1) {
		if m[1] == key {
			n, _ := strconv.Atoi(m[2])
			return n
		}
	}
	return -1
}

func jsonInt(doc, key string) int {
	for _, m := range reJSONInt.FindAllStringSubmatch(doc, -1) {
		if m[1] == key {
			f, _ := strconv.ParseFloat(m[2], 64)
			return int(f)
		}
	}
	return -1
}

// tables splits a TOML document into the bodies of the array-of-tables
// entries named name, in order.
func tables(doc, name string) []string {
	locs := reTomlTable.FindAllStringSubmatchIndex(doc, -1)
	var res []string
	for i, l := range locs {
		if doc[l[2]:l[3]] != name {
			continue
		}
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		if j := strings.Index(doc[l[1]:end], "\n["); j >= 0 {
			end = l[1] + j
		}
		res = append(res, doc[l[1]:end])
	}
	return res
}

type tomlPeer struct {
	id, port int
	address  string
}

func tomlPeers(doc string) []tomlPeer {
	var res []tomlPeer
	for _, body := range tables(doc, "threshold.peers") {
		p := tomlPeer{id: tomlInt(body, "party_id"), port: tomlInt(body, "port")}
		for _, m := range reTomlStr.FindAllStringSubmatch(body, -1) {
			if m[1] == "address" {
				p.address = m[2]
			}
		}
		res = append(res, p)
	}
	return res
}

func tomlReleases(doc string) [][3]string {
	var res [][3]string
	for _, body := range tables(doc, "threshold.tls.auto.trusted_releases") {
		var r [3]string
		for _, m := range reTomlStr.FindAllStringSubmatch(body, -1) {
			switch m[1] {
			case "pcr0":
				r[0] = m[2]
			case "pcr1":
				r[1] = m[2]
			case "pcr2":
				r[2] = m[2]
			}
		}
		res = append(res, r)
	}
	return res
}

// EnvironmentStacks loads every synthesized stack of an environment from a
// synthesis output folder.
func EnvironmentStacks(outdir string, env *config.Environment) (release.Stacks, error) {
	m, err := manifest.Read(outdir)
	if err != nil {
		return nil, err
	}
	names, err := m.Order(env.Name + "-")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no stack of environment %s in %s; synthesize it first (make synth ENV=%s)", env.Name, outdir, env.Name)
	}
	return release.LoadStacks(outdir, names...)
}

// Party renders managed party p's release from its synthesized cluster
// stack with a chart, and checks it: the contract above, and that every
// value the release sets is a value of the chart. It returns the release,
// its rendering and one line per failed check.
func Party(env *config.Environment, p *config.Party, st release.Stacks, ch *chart.Chart) (*release.Release, *release.Rendered, []string, error) {
	rel, err := release.ReleaseOf(st, env.StackName(p, config.LayerCluster))
	if err != nil {
		return nil, nil, nil, err
	}
	post, err := rel.PostRenderer()
	if err != nil {
		return rel, nil, nil, err
	}
	r, err := release.Render(ch, rel.Name, rel.Namespace, rel.Values, post)
	if err != nil {
		return rel, nil, nil, err
	}
	failures := Check(rel, r, Expect(env, p, st))
	unknown, err := release.UnknownValues(ch, rel.Values)
	if err != nil {
		return rel, r, nil, err
	}
	for _, u := range unknown {
		failures = append(failures, fmt.Sprintf("value %s is not a value of chart %s %s", u, ch.Name(), ch.Metadata.Version))
	}
	return rel, r, failures, nil
}
