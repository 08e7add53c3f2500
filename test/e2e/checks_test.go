package e2e

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/constructs/vault"
	"github.com/mpc-mesh/infra/internal/tfjson"
)

// Values the checks look for, as the constructs write them. They are
// repeated here rather than imported because the constructs link the jsii
// runtime, which this package does not need.
const (
	// attestationKey is the KMS condition key holding the enclave image
	// measurement (constructs/attestedkey.ImageSha384Key).
	attestationKey = "kms:RecipientAttestation:ImageSha384"
	// partnerPartyTag is the tag of an interface endpoint naming the peer it
	// leads to (constructs/vpcendpointconsumer).
	partnerPartyTag = "mpc:partner-party"
	// Discovery tags of a party's Elastic IPs (constructs/elasticip).
	eipPoolTag, eipPoolValue, eipEnvTag, eipPartyTag = "kubeip", "reserved", "mpc.io/environment", "mpc.io/party-id"
	// envTag is the default tag every stack puts on its AWS resources (stacks.DefaultTags).
	envTag = "mpc:environment"
	// backupOnlyNamedRoles is the backup buckets' Deny of object access to
	// other principals (constructs/backupvault.SidOnlyNamedPrincipals).
	backupOnlyNamedRoles = "ObjectsOnlyForNamedRoles"
)

// endpointServiceTag is the Name tag of a party's endpoint service
// (constructs/vpcendpointprovider.EndpointServiceName).
func endpointServiceTag(partyID int) string {
	return fmt.Sprintf("mpc-node-%d-endpoint-service", partyID)
}

// meshCheck holds what the checks read and the problems they find.
type meshCheck struct {
	env      *config.Environment
	fix      fixture
	inv      *inventory
	problems []string
}

func (c *meshCheck) errorf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// checkMesh checks, through the emulator's API, that the environment's mesh
// exists as the stacks promise. It returns every problem found.
func checkMesh(env *config.Environment, fix fixture, inv *inventory) []string {
	c := &meshCheck{env: env, fix: fix, inv: inv}
	for _, p := range env.ManagedParties() {
		c.checkVault(p)
		c.checkAttestedKey(p)
		if p.Managed.Backup.On() {
			c.checkBackup(p)
		}
		c.checkNodeGroup(p)
		c.checkRoles(p)
		if m := p.Managed; m.Connector.Enabled && m.KMS.TxSenderKeyARN == "" {
			c.checkTxSenderKey(p)
		}
	}
	switch env.Strategy {
	case config.PrivateLink:
		services := map[int]endpointService{}
		for _, p := range env.ManagedParties() {
			if svc, ok := c.checkEndpointService(p); ok {
				services[p.ID] = svc
			}
		}
		for _, p := range env.ManagedParties() {
			c.checkEndpoints(p, services)
		}
	case config.KubeIP:
		ips := map[int][]string{}
		for _, p := range env.ManagedParties() {
			if addrs, ok := c.checkEIP(p); ok {
				ips[p.ID] = addrs
			}
		}
		for i := range env.Parties {
			if x := env.Parties[i].External; x != nil {
				ips[env.Parties[i].ID] = x.Addresses()
			}
		}
		for _, p := range env.ManagedParties() {
			c.checkFirewall(p, ips)
		}
	}
	return c.problems
}

// checkEndpointService: the party's NLB is internal, protected, listens on
// the MPC ports, and its endpoint service admits exactly the other parties'
// account roots.
func (c *meshCheck) checkEndpointService(p *config.Party) (endpointService, bool) {
	r := c.inv.region(p.AccountID, p.Region)
	var found []endpointService
	for _, s := range r.EndpointServices {
		if s.Tags["Name"] == endpointServiceTag(p.ID) && s.Tags[envTag] == c.env.Name {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		c.errorf("%s: %d endpoint services tagged Name=%s, want 1", p.Name, len(found), endpointServiceTag(p.ID))
		return endpointService{}, false
	}
	svc := found[0]
	var want []string
	for _, q := range c.env.Peers(p) {
		arn := "arn:aws:iam::" + q.AccountID + ":root"
		if !slices.Contains(want, arn) {
			want = append(want, arn)
		}
	}
	sort.Strings(want)
	if !slices.Equal(svc.AllowedPrincipals, want) {
		c.errorf("%s: endpoint service %s allows %v, want exactly the peers' accounts %v", p.Name, svc.ID, svc.AllowedPrincipals, want)
	}
	// Cross-region PrivateLink: the service supports exactly the peers'
	// other regions (AWS also lists the service's own region).
	var wantRegions, gotRegions []string
	for _, q := range c.env.Peers(p) {
		if q.Region != p.Region && !slices.Contains(wantRegions, q.Region) {
			wantRegions = append(wantRegions, q.Region)
		}
	}
	for _, r := range svc.SupportedRegions {
		if r != p.Region {
			gotRegions = append(gotRegions, r)
		}
	}
	if !sameSet(gotRegions, wantRegions) {
		c.errorf("%s: endpoint service %s supports regions %v, want the peers' other regions %v", p.Name, svc.ID, svc.SupportedRegions, wantRegions)
	}
	nlbName := c.env.Names(p).LoadBalancer + "-nlb"
	var nlb *loadBalancer
	for i := range r.LoadBalancers {
		if r.LoadBalancers[i].Name == nlbName {
			nlb = &r.LoadBalancers[i]
		}
	}
	switch {
	case nlb == nil:
		c.errorf("%s: no load balancer %s", p.Name, nlbName)
	default:
		if !slices.Equal(svc.NLBArns, []string{nlb.ARN}) {
			c.errorf("%s: endpoint service %s fronts %v, want the NLB %s", p.Name, svc.ID, svc.NLBArns, nlb.ARN)
		}
		if nlb.Type != "network" || nlb.Scheme != "internal" || nlb.VpcID != c.fix[p.Name].VpcID {
			c.errorf("%s: NLB %s is %s/%s in %s, want network/internal in the party's VPC %s", p.Name, nlbName, nlb.Type, nlb.Scheme, nlb.VpcID, c.fix[p.Name].VpcID)
		}
		if want := strconv.FormatBool(*p.Managed.PrivateLink.DeletionProtection); nlb.Attributes["deletion_protection.enabled"] != want {
			c.errorf("%s: NLB %s has deletion protection %q, want %s (privatelink.deletion_protection)", p.Name, nlbName, nlb.Attributes["deletion_protection.enabled"], want)
		}
		var ports []int
		for _, port := range c.env.PortList() {
			ports = append(ports, port.Number)
		}
		sort.Ints(ports)
		if !slices.Equal(nlb.ListenerPorts, ports) {
			c.errorf("%s: NLB %s listens on %v, want the MPC ports %v", p.Name, nlbName, nlb.ListenerPorts, ports)
		}
	}
	return svc, true
}

// checkEndpoints: the party's VPC has exactly one interface endpoint per
// peer, on that peer's endpoint service (which reached this stack only
// through the peer's provider-stack state), and no other endpoint.
func (c *meshCheck) checkEndpoints(p *config.Party, services map[int]endpointService) {
	r := c.inv.region(p.AccountID, p.Region)
	vpcID := c.fix[p.Name].VpcID
	byPeer := map[string][]vpcEndpoint{}
	total := 0
	for _, e := range r.VPCEndpoints {
		if e.VpcID != vpcID {
			continue
		}
		total++
		byPeer[e.Tags[partnerPartyTag]] = append(byPeer[e.Tags[partnerPartyTag]], e)
	}
	peers := c.env.Peers(p)
	if total != len(peers) {
		c.errorf("%s: %d VPC endpoints in its VPC, want one per peer (%d)", p.Name, total, len(peers))
	}
	for _, q := range peers {
		eps := byPeer[strconv.Itoa(q.ID)]
		if len(eps) != 1 {
			c.errorf("%s: %d endpoints tagged %s=%d, want 1", p.Name, len(eps), partnerPartyTag, q.ID)
			continue
		}
		e := eps[0]
		want := ""
		if svc, ok := services[q.ID]; ok {
			want = svc.Name
		} else if q.External != nil {
			want = q.External.EndpointServiceName
		}
		if e.Type != "Interface" || e.ServiceName != want || want == "" {
			c.errorf("%s: endpoint %s to %s is a %s endpoint on %q, want an Interface endpoint on %s's service %q", p.Name, e.ID, q.Name, e.Type, e.ServiceName, q.Name, want)
		}
		if len(e.SubnetIDs) == 0 {
			c.errorf("%s: endpoint %s to %s has no subnet", p.Name, e.ID, q.Name)
		}
		for _, s := range e.SubnetIDs {
			if !slices.Contains(c.fix[p.Name].PrivateSubnets, s) {
				c.errorf("%s: endpoint %s to %s is in subnet %s, which is not one of its private subnets", p.Name, e.ID, q.Name, s)
			}
		}
	}
}

// checkEIP: the party publishes exactly its configured number of Elastic
// IPs, tagged for its own KubeIP agent only. It returns every address.
func (c *meshCheck) checkEIP(p *config.Party) ([]string, bool) {
	r := c.inv.region(p.AccountID, p.Region)
	var mine []address
	for _, a := range r.Addresses {
		if a.Tags[eipPartyTag] == strconv.Itoa(p.ID) && a.Tags[eipEnvTag] == c.env.Name {
			mine = append(mine, a)
		}
	}
	want := p.Managed.KubeIP.Addresses
	if want == 0 {
		want = 1
	}
	if len(mine) != want {
		c.errorf("%s: %d Elastic IPs tagged %s=%d, want %d", p.Name, len(mine), eipPartyTag, p.ID, want)
		return nil, false
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].Tags["Name"] < mine[j].Tags["Name"] })
	for i, a := range mine {
		if a.Tags[eipPoolTag] != eipPoolValue || a.Tags["Name"] != fmt.Sprintf("%s-%d", c.env.Names(p).EIP, i) {
			c.errorf("%s: Elastic IP %s has tags %v, want %s=%s and Name %s-%d", p.Name, a.PublicIP, a.Tags, eipPoolTag, eipPoolValue, c.env.Names(p).EIP, i)
		}
	}
	var addrs []string
	for _, a := range mine {
		addrs = append(addrs, a.PublicIP)
	}
	return addrs, true
}

// checkFirewall: the party's firewall admits exactly each peer's Elastic IP
// (/32) on each MPC port, plus the configured extra CIDRs, and lets the
// nodes reach exactly the peers' addresses on those ports.
func (c *meshCheck) checkFirewall(p *config.Party, ips map[int][]string) {
	r := c.inv.region(p.AccountID, p.Region)
	name := c.env.Names(p).FirewallSG
	var sg *securityGroup
	for i := range r.SecurityGroups {
		if r.SecurityGroups[i].Name == name && r.SecurityGroups[i].VpcID == c.fix[p.Name].VpcID {
			sg = &r.SecurityGroups[i]
		}
	}
	if sg == nil {
		c.errorf("%s: no security group %s in its VPC", p.Name, name)
		return
	}
	var wantIn, wantOut []string
	for _, port := range c.env.PortList() {
		for _, q := range c.env.Peers(p) {
			// A party missing here was reported already.
			for _, ip := range ips[q.ID] {
				wantIn = append(wantIn, fmt.Sprintf("tcp/%d from %s/32", port.Number, ip))
				wantOut = append(wantOut, fmt.Sprintf("tcp/%d to %s/32", port.Number, ip))
			}
		}
		for _, cidr := range p.Managed.Firewall.ExtraCIDRs {
			wantIn = append(wantIn, fmt.Sprintf("tcp/%d from %s", port.Number, cidr))
		}
		for _, g := range p.Managed.Firewall.ExtraSecurityGroups {
			wantIn = append(wantIn, fmt.Sprintf("tcp/%d from %s", port.Number, g))
		}
	}
	var gotIn, gotOut []string
	for _, rule := range sg.Rules {
		src := rule.CIDRv4 + rule.CIDRv6 + rule.ReferencedGroup
		if rule.Egress {
			gotOut = append(gotOut, fmt.Sprintf("%s/%d to %s", rule.Protocol, rule.From, src))
		} else {
			gotIn = append(gotIn, fmt.Sprintf("%s/%d from %s", rule.Protocol, rule.From, src))
		}
		if rule.From != rule.To {
			c.errorf("%s: firewall rule %s opens a port range %d-%d", p.Name, src, rule.From, rule.To)
		}
	}
	for _, l := range [][]string{wantIn, wantOut, gotIn, gotOut} {
		sort.Strings(l)
	}
	if !slices.Equal(gotIn, wantIn) {
		c.errorf("%s: firewall %s admits %v, want exactly %v", p.Name, name, gotIn, wantIn)
	}
	if !slices.Equal(gotOut, wantOut) {
		c.errorf("%s: firewall %s lets out %v, want exactly %v", p.Name, name, gotOut, wantOut)
	}
	// The enclave nodes carry the firewall.
	for _, lt := range r.LaunchTemplates {
		if lt.Name == c.env.Names(p).NodeGroup && !slices.Contains(lt.SecurityGroupIDs, sg.ID) {
			c.errorf("%s: launch template %s attaches %v, not the firewall %s", p.Name, lt.Name, lt.SecurityGroupIDs, sg.ID)
		}
	}
}

// checkVault: both vault buckets are versioned; the private one is
// KMS-encrypted with a key of the party's account and blocks all public
// access; the public one is encrypted (SSE-S3) and keeps ACLs blocked while
// allowing its one public-read policy.
func (c *meshCheck) checkVault(p *config.Party) {
	a := c.inv.account(p.AccountID)
	r := c.inv.region(p.AccountID, p.Region)
	n := c.env.Names(p)
	find := func(name string) *bucketInv {
		for i := range a.Buckets {
			if a.Buckets[i].Name == name {
				return &a.Buckets[i]
			}
		}
		c.errorf("%s: no bucket %s", p.Name, name)
		return nil
	}
	if b := find(n.PrivateBucket); b != nil {
		if b.Versioning != "Enabled" {
			c.errorf("%s: bucket %s versioning %q, want Enabled", p.Name, b.Name, b.Versioning)
		}
		if b.Encryption == nil || b.Encryption.Algorithm != "aws:kms" || !hasKey(r, b.Encryption.KMSKey) {
			c.errorf("%s: bucket %s encryption %+v, want aws:kms with a key of the party's account", p.Name, b.Name, b.Encryption)
		}
		want := map[string]bool{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}
		if !maps.Equal(b.PublicAccessBlock, want) {
			c.errorf("%s: bucket %s public access block %v, want %v", p.Name, b.Name, b.PublicAccessBlock, want)
		}
		if !hasStatement(b.Policy, "DenyInsecureTransport", "Deny") {
			c.errorf("%s: bucket %s policy lacks the TLS-only Deny", p.Name, b.Name)
		}
	}
	if b := find(n.PublicBucket); b != nil {
		if b.Versioning != "Enabled" {
			c.errorf("%s: bucket %s versioning %q, want Enabled", p.Name, b.Name, b.Versioning)
		}
		if b.Encryption == nil || b.Encryption.Algorithm != "AES256" {
			c.errorf("%s: bucket %s encryption %+v, want AES256", p.Name, b.Name, b.Encryption)
		}
		want := map[string]bool{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": false}
		if !maps.Equal(b.PublicAccessBlock, want) {
			c.errorf("%s: bucket %s public access block %v, want %v", p.Name, b.Name, b.PublicAccessBlock, want)
		}
		if !hasStatement(b.Policy, "PublicRead", "Allow") || !hasStatement(b.Policy, "DenyInsecureTransport", "Deny") {
			c.errorf("%s: bucket %s policy lacks the PublicRead grant or the TLS-only Deny: %v", p.Name, b.Name, b.Policy)
		}
		if !hasStatement(b.Policy, vault.SidCACertListing, "Allow") {
			c.errorf("%s: bucket %s policy lacks the CA-prefix listing its services and peers need: %v", p.Name, b.Name, b.Policy)
		}
	}
}

// checkAttestedKey: the key behind the party's alias lets nothing decrypt
// except under the attestation condition on the configured PCR0 values.
func (c *meshCheck) checkAttestedKey(p *config.Party) {
	alias := c.env.Names(p).KeyAlias
	key := aliasedKey(c.inv.region(p.AccountID, p.Region), alias)
	if key == nil {
		c.errorf("%s: no KMS key with alias %s", p.Name, alias)
		return
	}
	c.checkAttestationGate(p, key)
}

// checkAttestationGate: every attestation condition of a key's policy is on
// exactly the party's PCR0 values, and there is one.
func (c *meshCheck) checkAttestationGate(p *config.Party, key *kmsKey) {
	want := append([]string(nil), p.Managed.Enclave.PCR0...)
	sort.Strings(want)
	found := false
	for _, st := range statements(key.Policy) {
		cond, _ := st["Condition"].(map[string]any)
		for _, byKey := range cond {
			m, _ := byKey.(map[string]any)
			if v, ok := m[attestationKey]; ok {
				found = true
				if got := stringList(v); !slices.Equal(got, want) {
					c.errorf("%s: key %s statement %v conditions %s on %v, want %v", p.Name, key.ARN, st["Sid"], attestationKey, got, want)
				}
			}
		}
	}
	if !found {
		c.errorf("%s: key %s policy has no %s condition", p.Name, key.ARN, attestationKey)
	}
}

// checkBackup: the backup bucket (party's region) and its replica (replica
// region) are versioned, SSE-KMS under a key of their own region, block all
// public access, refuse non-TLS requests and object access by other roles;
// the backup bucket replicates every object, delete markers excepted, to
// the replica through the replication role, re-encrypted under the replica
// region's key; the backup key is a multi-Region RSA_4096 primary in the
// party's region with its replica in the replica region, both behind the
// alias and both gated by the attestation condition.
func (c *meshCheck) checkBackup(p *config.Party) {
	a := c.inv.account(p.AccountID)
	n, b := c.env.Names(p), p.Managed.Backup
	home, away := c.inv.region(p.AccountID, p.Region), c.inv.region(p.AccountID, b.ReplicaRegion)
	buckets := map[string]*bucketInv{}
	for i := range a.Buckets {
		buckets[a.Buckets[i].Name] = &a.Buckets[i]
	}
	all := map[string]bool{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}
	for _, want := range []struct {
		name, region string
		keys         *regionalInventory
	}{{n.BackupBucket, p.Region, home}, {n.ReplicaBucket, b.ReplicaRegion, away}} {
		bk := buckets[want.name]
		if bk == nil {
			c.errorf("%s: no backup bucket %s", p.Name, want.name)
			continue
		}
		if bk.Region != want.region {
			c.errorf("%s: bucket %s is in %s, want %s", p.Name, bk.Name, bk.Region, want.region)
		}
		if bk.Versioning != "Enabled" {
			c.errorf("%s: bucket %s versioning %q, want Enabled", p.Name, bk.Name, bk.Versioning)
		}
		if bk.Encryption == nil || bk.Encryption.Algorithm != "aws:kms" || !hasKey(want.keys, bk.Encryption.KMSKey) {
			c.errorf("%s: bucket %s encryption %+v, want aws:kms with a key of %s", p.Name, bk.Name, bk.Encryption, want.region)
		}
		if !maps.Equal(bk.PublicAccessBlock, all) {
			c.errorf("%s: bucket %s public access block %v, want %v", p.Name, bk.Name, bk.PublicAccessBlock, all)
		}
		if !hasStatement(bk.Policy, "DenyInsecureTransport", "Deny") || !hasStatement(bk.Policy, backupOnlyNamedRoles, "Deny") {
			c.errorf("%s: bucket %s policy lacks the TLS-only Deny or the named-roles-only Deny: %v", p.Name, bk.Name, bk.Policy)
		}
	}
	if src := buckets[n.BackupBucket]; src != nil {
		r := src.Replication
		switch {
		case r == nil:
			c.errorf("%s: bucket %s has no replication configuration", p.Name, src.Name)
		default:
			role := ""
			for _, x := range a.Roles {
				if x.Name == n.ReplicationRole {
					role = x.ARN
				}
			}
			if r.Rules != 1 || r.Status != "Enabled" || r.Role != role || role == "" {
				c.errorf("%s: bucket %s replication %+v, want one enabled rule through role %s (%q)", p.Name, src.Name, r, n.ReplicationRole, role)
			}
			if r.Destination != "arn:aws:s3:::"+n.ReplicaBucket || r.DeleteMarkers != "Disabled" || !hasKey(away, r.ReplicaKMSKey) {
				c.errorf("%s: bucket %s replicates to %s (delete markers %s, key %s), want %s without delete markers under a key of %s", p.Name, src.Name, r.Destination, r.DeleteMarkers, r.ReplicaKMSKey, n.ReplicaBucket, b.ReplicaRegion)
			}
		}
	}
	primary := aliasedKey(home, n.BackupKeyAlias)
	replica := aliasedKey(away, n.BackupKeyAlias)
	switch {
	case primary == nil || replica == nil:
		c.errorf("%s: backup key alias %s resolves in %s: %v, in %s: %v; want a key in both", p.Name, n.BackupKeyAlias, p.Region, primary != nil, b.ReplicaRegion, replica != nil)
		return
	case primary.KeySpec != "RSA_4096" || primary.MultiRegion == nil || primary.MultiRegion.Type != "PRIMARY" || primary.MultiRegion.PrimaryARN != primary.ARN:
		c.errorf("%s: backup key %s is %s %+v, want a multi-Region RSA_4096 primary", p.Name, primary.ARN, primary.KeySpec, primary.MultiRegion)
	case !slices.Equal(primary.MultiRegion.ReplicaRegions, []string{b.ReplicaRegion}):
		c.errorf("%s: backup key %s is replicated to %v, want %s", p.Name, primary.ARN, primary.MultiRegion.ReplicaRegions, b.ReplicaRegion)
	case replica.ID != primary.ID || replica.KeySpec != "RSA_4096" || replica.MultiRegion == nil || replica.MultiRegion.Type != "REPLICA" || replica.MultiRegion.PrimaryARN != primary.ARN:
		c.errorf("%s: key %s in %s is %s %+v, want the replica of %s", p.Name, replica.ARN, b.ReplicaRegion, replica.KeySpec, replica.MultiRegion, primary.ARN)
	}
	for _, k := range []*kmsKey{primary, replica} {
		c.checkAttestationGate(p, k)
	}
}

// checkTxSenderKey: the KMS connector's transaction key behind its alias is
// a secp256k1 key whose policy allows kms:Sign to the connector role and
// denies it to everyone else.
func (c *meshCheck) checkTxSenderKey(p *config.Party) {
	n := c.env.Names(p)
	key := aliasedKey(c.inv.region(p.AccountID, p.Region), n.TxSenderKeyAlias)
	if key == nil {
		c.errorf("%s: no KMS key with alias %s", p.Name, n.TxSenderKeyAlias)
		return
	}
	if key.KeySpec != "ECC_SECG_P256K1" {
		c.errorf("%s: transaction key %s has spec %q, want ECC_SECG_P256K1", p.Name, key.ARN, key.KeySpec)
	}
	allowed, denied := false, false
	for _, st := range statements(key.Policy) {
		if !slices.Contains(stringList(st["Action"]), "kms:Sign") {
			continue
		}
		principal, _ := st["Principal"].(map[string]any)
		switch st["Effect"] {
		case "Allow":
			for _, arn := range stringList(principal["AWS"]) {
				if strings.HasSuffix(arn, ":role/"+n.ConnectorRole) {
					allowed = true
				}
			}
		case "Deny":
			denied = true
		}
	}
	if !allowed || !denied {
		c.errorf("%s: transaction key %s policy allows kms:Sign to %s: %v, denies it to others: %v; want both", p.Name, key.ARN, n.ConnectorRole, allowed, denied)
	}
}

// aliasedKey is the KMS key an alias names in a region, nil if none.
func aliasedKey(r *regionalInventory, alias string) *kmsKey {
	for i := range r.KMSKeys {
		if slices.Contains(r.KMSKeys[i].Aliases, alias) {
			return &r.KMSKeys[i]
		}
	}
	return nil
}

// checkNodeGroup: the enclave node group runs in the strategy's subnets
// (private for PrivateLink, public for KubeIP) from a launch template with
// Nitro Enclaves on and IMDSv2 required.
func (c *meshCheck) checkNodeGroup(p *config.Party) {
	r := c.inv.region(p.AccountID, p.Region)
	name := c.env.Names(p).NodeGroup
	var ng *nodeGroup
	for i := range r.NodeGroups {
		if r.NodeGroups[i].Cluster == p.Managed.ClusterName && r.NodeGroups[i].Name == name {
			ng = &r.NodeGroups[i]
		}
	}
	if ng == nil {
		c.errorf("%s: no node group %s in cluster %s", p.Name, name, p.Managed.ClusterName)
		return
	}
	want := c.fix[p.Name].PrivateSubnets
	if c.env.Strategy == config.KubeIP {
		want = c.fix[p.Name].PublicSubnets
	}
	if !sameSet(ng.Subnets, want) {
		c.errorf("%s: node group %s in subnets %v, want %v", p.Name, name, ng.Subnets, want)
	}
	ltID := ng.LaunchTemplate["id"]
	var lt *launchTemplate
	for i := range r.LaunchTemplates {
		if r.LaunchTemplates[i].ID == ltID {
			lt = &r.LaunchTemplates[i]
		}
	}
	if lt == nil {
		c.errorf("%s: node group %s launch template %q not found", p.Name, name, ltID)
		return
	}
	if !lt.EnclaveEnabled || lt.HTTPTokens != "required" {
		c.errorf("%s: launch template %s has enclaves %v and http_tokens %q, want enclaves on and IMDSv2 required", p.Name, lt.Name, lt.EnclaveEnabled, lt.HTTPTokens)
	}
}

// checkRoles: the party's IAM roles exist in its account.
func (c *meshCheck) checkRoles(p *config.Party) {
	a := c.inv.account(p.AccountID)
	n := c.env.Names(p)
	want := []string{n.PartyRole, n.NodeRole}
	if c.env.Strategy == config.KubeIP {
		want = append(want, n.KubeIPRole)
	}
	if len(c.env.TrustPeers(p)) > 0 {
		want = append(want, n.TrustSyncRole)
	}
	if p.Managed.Connector.Enabled {
		want = append(want, n.ConnectorRole)
	}
	for _, role := range want {
		if !slices.ContainsFunc(a.Roles, func(r namedARN) bool { return r.Name == role }) {
			c.errorf("%s: no IAM role %s in account %s", p.Name, role, p.AccountID)
		}
	}
}

// checkNothingLeft lists every resource of a kind the stacks create that
// is still there after the destroy. What the fixture created (VPCs,
// subnets, the clusters, their security groups and roles, the OIDC
// providers), KMS keys pending deletion and endpoints in state deleted are
// not leftovers.
func checkNothingLeft(env *config.Environment, fix fixture, inv *inventory) []string {
	var left []string
	fixtureSGs := map[string]bool{}
	fixtureRoles := map[string]bool{}
	for _, f := range fix {
		fixtureSGs[f.ClusterSecurityGroupID] = true
		fixtureRoles[f.ClusterName+"-cluster"] = true
	}
	for _, r := range inv.Regional {
		where := r.AccountID + "/" + r.Region
		for _, x := range r.VPCEndpoints {
			// AWS, and moto, keep listing a deleted endpoint for a while.
			if x.State != "deleted" {
				left = append(left, where+": VPC endpoint "+x.ID+" in state "+x.State)
			}
		}
		for _, x := range r.EndpointServices {
			left = append(left, where+": endpoint service "+x.ID)
		}
		for _, x := range r.LoadBalancers {
			left = append(left, where+": load balancer "+x.Name)
		}
		for _, x := range r.TargetGroups {
			left = append(left, where+": target group "+x.Name)
		}
		for _, x := range r.KMSKeys {
			if x.State != "PendingDeletion" {
				left = append(left, fmt.Sprintf("%s: KMS key %s %v in state %s", where, x.ID, x.Aliases, x.State))
			}
		}
		for _, x := range r.Addresses {
			left = append(left, where+": Elastic IP "+x.PublicIP)
		}
		for _, x := range r.NodeGroups {
			left = append(left, where+": node group "+x.Name)
		}
		for _, x := range r.LaunchTemplates {
			left = append(left, where+": launch template "+x.Name)
		}
		for _, x := range r.DBInstances {
			left = append(left, where+": DB instance "+x.ID)
		}
		for _, x := range r.SecurityGroups {
			if x.Name != "default" && !fixtureSGs[x.ID] {
				left = append(left, where+": security group "+x.Name)
			}
		}
	}
	for _, a := range inv.Accounts {
		for _, x := range a.Buckets {
			left = append(left, a.AccountID+": bucket "+x.Name)
		}
		for _, x := range a.Roles {
			if !fixtureRoles[x.Name] {
				left = append(left, a.AccountID+": IAM role "+x.Name)
			}
		}
		for _, x := range a.Policies {
			left = append(left, a.AccountID+": IAM policy "+x.Name)
		}
	}
	return left
}

func hasKey(r *regionalInventory, idOrARN string) bool {
	if idOrARN == "" {
		return false
	}
	for _, k := range r.KMSKeys {
		if k.ARN == idOrARN || k.ID == idOrARN || strings.HasSuffix(idOrARN, "/"+k.ID) {
			return true
		}
	}
	return false
}

// statements returns the statements of a policy document (one object or a list).
func statements(doc map[string]any) []tfjson.Object { return tfjson.Blocks(doc["Statement"]) }

func hasStatement(doc map[string]any, sid, effect string) bool {
	for _, st := range statements(doc) {
		if st["Sid"] == sid && st["Effect"] == effect {
			return true
		}
	}
	return false
}

// stringList reads a policy value that is a string or a list of strings, sorted.
func stringList(v any) []string {
	res := tfjson.Strings(v)
	sort.Strings(res)
	return res
}

func sameSet(a, b []string) bool {
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}
