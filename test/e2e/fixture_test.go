package e2e

import (
	"fmt"
	"sort"

	"github.com/mpc-mesh/infra/config"
)

// fixtureParty is what awsapi.py fixture creates for one managed party: what
// the stacks read but do not own.
type fixtureParty struct {
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

// fixture is the pre-existing infrastructure of an environment, by party name.
type fixture map[string]fixtureParty

// createFixture creates, per managed party and in its own account and
// region, a VPC with two private subnets (kubernetes.io/role/internal-elb=1)
// and two public ones (kubernetes.io/role/elb=1) in two availability zones,
// the EKS cluster named in config in that VPC, with its cluster security
// group, and the IAM OIDC provider of the cluster's issuer. The VPC takes
// the party's privatelink.vpc_cidr, or 10.<id>.0.0/16 when it has none.
func createFixture(api awsAPI, env *config.Environment) (fixture, error) {
	var req struct {
		Parties []fixtureParty `json:"parties"`
	}
	for _, p := range env.ManagedParties() {
		cidr := p.Managed.PrivateLink.VPCCIDR
		if cidr == "" {
			cidr = fmt.Sprintf("10.%d.0.0/16", p.ID)
		}
		req.Parties = append(req.Parties, fixtureParty{
			Party: p.Name, AccountID: p.AccountID, Region: p.Region,
			ClusterName: p.Managed.ClusterName, VPCCIDR: cidr,
		})
	}
	var resp struct {
		Parties []fixtureParty `json:"parties"`
	}
	if err := api.call("fixture", req, &resp); err != nil {
		return nil, err
	}
	res := fixture{}
	for _, p := range resp.Parties {
		res[p.Party] = p
	}
	return res, nil
}

// scopes are the accounts and regions of an environment's managed parties,
// their backup replica regions included.
func scopes(env *config.Environment) []scope {
	regions := map[string]map[string]bool{}
	for _, p := range env.ManagedParties() {
		if regions[p.AccountID] == nil {
			regions[p.AccountID] = map[string]bool{}
		}
		regions[p.AccountID][p.Region] = true
		if b := p.Managed.Backup; b.On() {
			regions[p.AccountID][b.ReplicaRegion] = true
		}
	}
	var res []scope
	for account, set := range regions {
		s := scope{AccountID: account}
		for r := range set {
			s.Regions = append(s.Regions, r)
		}
		sort.Strings(s.Regions)
		res = append(res, s)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].AccountID < res[j].AccountID })
	return res
}
