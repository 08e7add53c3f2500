package config

import "github.com/mpc-mesh/infra/internal/trust"

// Provider-stack outputs that locate a party's public vault, for peers
// export. The bucket itself lives in the party stack; its name is fixed by
// the configuration, so the provider stack, which every peer already reads,
// publishes it without depending on the party stack.
const (
	OutputPublicVaultBucket = "public_vault_bucket"
	OutputPublicVaultRegion = "public_vault_region"
)

// PublicVault returns where party q's public vault is: the derived bucket
// name and the party's region for a managed party, external.public_vault
// for an external one; ok is false when an external party gives none.
func (e *Environment) PublicVault(q *Party) (v trust.Vault, ok bool) {
	v = trust.Vault{PartyID: q.ID, Name: q.Name}
	switch {
	case q.Managed != nil:
		v.Bucket, v.Region = e.Names(q).PublicBucket, q.Region
	case q.External != nil && q.External.PublicVault != nil:
		v.Bucket, v.Region = q.External.PublicVault.Bucket, q.External.PublicVault.Region
	default:
		return v, false
	}
	return v, true
}

// TrustPeers returns the peers of p whose CA certificate p syncs: every
// other party whose sync_ca is on and whose public vault is known, in file
// order; none when p's trust sync is off.
func (e *Environment) TrustPeers(p *Party) []*Party {
	if p.Managed == nil || !p.Managed.TrustSync.Enabled {
		return nil
	}
	var res []*Party
	for _, q := range e.Peers(p) {
		if _, ok := e.PublicVault(q); ok && (q.SyncCA == nil || *q.SyncCA) {
			res = append(res, q)
		}
	}
	return res
}

// TrustPlan is what managed party p syncs, every bucket named as the
// configuration derives it (make trust-status reads it).
func (e *Environment) TrustPlan(p *Party) trust.Plan {
	self, _ := e.PublicVault(p)
	plan := trust.Plan{Self: self}
	for _, q := range e.TrustPeers(p) {
		v, _ := e.PublicVault(q)
		plan.Peers = append(plan.Peers, v)
	}
	return plan
}
