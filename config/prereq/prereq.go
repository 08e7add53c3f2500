// Package prereq describes what an environment expects to exist before its
// stacks are applied — per managed party a VPC with tagged subnets, the EKS
// cluster and its IAM OIDC provider, and the state bucket of backend.s3 —
// and creates it in the AWS emulator (`make emulator` and the end-to-end
// test), so that the stacks apply there as they would in a prepared account.
package prereq

import (
	"fmt"
	"sort"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/emulator"
)

// Parties is what the emulator's fixture creates for each managed party. The
// VPC takes the party's privatelink.vpc_cidr, or 10.<id>.0.0/16 when it has
// none.
func Parties(env *config.Environment) []emulator.FixtureParty {
	var res []emulator.FixtureParty
	for _, p := range env.ManagedParties() {
		cidr := p.Managed.PrivateLink.VPCCIDR
		if cidr == "" {
			cidr = fmt.Sprintf("10.%d.0.0/16", p.ID)
		}
		res = append(res, emulator.FixtureParty{
			Party: p.Name, AccountID: p.AccountID, Region: p.Region,
			ClusterName: p.Managed.ClusterName, VPCCIDR: cidr,
		})
	}
	return res
}

// Create creates an environment's prerequisites in the emulator: the
// parties' fixture and, with backend.s3, the state bucket.
func Create(api emulator.API, env *config.Environment) (emulator.Fixture, error) {
	bucket, region := "", ""
	if s3 := env.Backend.S3; s3 != nil {
		bucket, region = s3.Bucket, s3.Region
	}
	return emulator.CreateFixture(api, Parties(env), bucket, region)
}

// Scopes are the accounts and regions of an environment's managed parties,
// their backup replica regions included: where the stacks create resources.
func Scopes(env *config.Environment) []emulator.Scope {
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
	var res []emulator.Scope
	for account, set := range regions {
		s := emulator.Scope{AccountID: account}
		for r := range set {
			s.Regions = append(s.Regions, r)
		}
		sort.Strings(s.Regions)
		res = append(res, s)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].AccountID < res[j].AccountID })
	return res
}
