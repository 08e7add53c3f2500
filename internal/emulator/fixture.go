package emulator

import (
	"fmt"
	"sort"

	"github.com/mpc-mesh/infra/config"
)

// FixtureParty is what the fixture creates for one managed party: what the
// stacks read but do not own.
type FixtureParty struct {
	Party       string `json:"party"`
	AccountID   string `json:"account_id"`
	Region      string `json:"region"`
	ClusterName string `json:"cluster_name"`
	VPCCIDR     string `json:"vpc_cidr"`

	// Filled in by the answer.
	VpcID                  string   `json:"vpc_id,omitempty"`
	PrivateSubnets         []string `json:"private_subnets,omitempty"`
	PublicSubnets          []string `json:"public_subnets,omitempty"`
	ClusterSecurityGroupID string   `json:"cluster_security_group_id,omitempty"`
	OIDCIssuer             string   `json:"oidc_issuer,omitempty"`
	OIDCProviderARN        string   `json:"oidc_provider_arn,omitempty"`
}

// Fixture is the pre-existing infrastructure of an environment, by party name.
type Fixture map[string]FixtureParty

// CreateFixture creates, per managed party and in its own account and
// region, a VPC with two private subnets (kubernetes.io/role/internal-elb=1)
// and two public ones (kubernetes.io/role/elb=1) in two availability zones,
// the EKS cluster named in config in that VPC, with its cluster security
// group, and the IAM OIDC provider of the cluster's issuer. The VPC takes
// the party's privatelink.vpc_cidr, or 10.<id>.0.0/16 when it has none.
// When the environment keeps its state in S3, the state bucket is created
// too (see CreateStateBucket).
func CreateFixture(api API, env *config.Environment) (Fixture, error) {
	var req struct {
		Parties []FixtureParty `json:"parties"`
	}
	for _, p := range env.ManagedParties() {
		cidr := p.Managed.PrivateLink.VPCCIDR
		if cidr == "" {
			cidr = fmt.Sprintf("10.%d.0.0/16", p.ID)
		}
		req.Parties = append(req.Parties, FixtureParty{
			Party: p.Name, AccountID: p.AccountID, Region: p.Region,
			ClusterName: p.Managed.ClusterName, VPCCIDR: cidr,
		})
	}
	if err := CreateStateBucket(api, env); err != nil {
		return nil, err
	}
	var resp struct {
		Parties []FixtureParty `json:"parties"`
	}
	if err := api.Call("fixture", req, &resp); err != nil {
		return nil, err
	}
	res := Fixture{}
	for _, p := range resp.Parties {
		res[p.Party] = p
	}
	return res, nil
}

// CreateStateBucket creates the environment's backend.s3 bucket, versioned,
// in the emulator's default account (where the dummy keys of the
// synthesized backend land, stacks/emulator.go). It does nothing for an
// environment with local state or when the bucket exists.
func CreateStateBucket(api API, env *config.Environment) error {
	s3 := env.Backend.S3
	if s3 == nil {
		return nil
	}
	var resp map[string]any
	return api.Call("state-bucket", map[string]string{"bucket": s3.Bucket, "region": s3.Region}, &resp)
}

// Scope is an account and the regions of it that the stacks use.
type Scope struct {
	AccountID string   `json:"account_id"`
	Regions   []string `json:"regions"`
}

// Scopes are the accounts and regions of an environment's managed parties,
// their backup replica regions included.
func Scopes(env *config.Environment) []Scope {
	regions := map[string]map[string]bool{}
	for _, p := range env.ManagedParties() {
		if regions[p.AccountID] == nil {
			regions[p.AccountID] = map[string]bool{}
		}
		regions[p.AccountID][p.Region] = true
		if b := p.Managed.Backup; b.On() {
			// The backup's replica bucket and key live there.
			regions[p.AccountID][b.ReplicaRegion] = true
		}
	}
	var res []Scope
	for account, set := range regions {
		s := Scope{AccountID: account}
		for r := range set {
			s.Regions = append(s.Regions, r)
		}
		sort.Strings(s.Regions)
		res = append(res, s)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].AccountID < res[j].AccountID })
	return res
}
