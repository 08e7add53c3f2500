package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/mpc-mesh/infra/config"
)

// mutation breaks one promise in a copy of a real inventory; checkMesh must
// then report a problem. apply returns false when the inventory holds
// nothing to break (the mutation then counts as not applicable).
type mutation struct {
	name  string
	apply func(env *config.Environment, fix fixture, p *config.Party, inv *inventory) bool
}

// mutations are the broken meshes the checks must catch. Each touches only
// the first managed party, so a check that ignored that party would let it
// through.
var mutations = []mutation{
	{"private bucket versioning suspended", func(env *config.Environment, _ fixture, p *config.Party, inv *inventory) bool {
		return editBucket(inv, p.AccountID, env.Names(p).PrivateBucket, func(b *bucketInv) { b.Versioning = "Suspended" })
	}},
	{"private bucket allows public policies", func(env *config.Environment, _ fixture, p *config.Party, inv *inventory) bool {
		return editBucket(inv, p.AccountID, env.Names(p).PrivateBucket, func(b *bucketInv) {
			if b.PublicAccessBlock == nil {
				b.PublicAccessBlock = map[string]bool{}
			}
			b.PublicAccessBlock["BlockPublicPolicy"] = false
		})
	}},
	{"private bucket encrypted with SSE-S3", func(env *config.Environment, _ fixture, p *config.Party, inv *inventory) bool {
		return editBucket(inv, p.AccountID, env.Names(p).PrivateBucket, func(b *bucketInv) { b.Encryption = &bucketSSE{Algorithm: "AES256"} })
	}},
	{"key policy without the attestation condition", func(env *config.Environment, _ fixture, p *config.Party, inv *inventory) bool {
		r := inv.region(p.AccountID, p.Region)
		for i := range r.KMSKeys {
			if !slices.Contains(r.KMSKeys[i].Aliases, env.Names(p).KeyAlias) {
				continue
			}
			for _, st := range statements(r.KMSKeys[i].Policy) {
				delete(st, "Condition")
			}
			return true
		}
		return false
	}},
	{"launch template allows IMDSv1", func(env *config.Environment, _ fixture, p *config.Party, inv *inventory) bool {
		r := inv.region(p.AccountID, p.Region)
		for i := range r.LaunchTemplates {
			if r.LaunchTemplates[i].Name == env.Names(p).NodeGroup {
				r.LaunchTemplates[i].HTTPTokens = "optional"
				return true
			}
		}
		return false
	}},
	{"endpoint service admits a stranger", func(_ *config.Environment, _ fixture, p *config.Party, inv *inventory) bool {
		r := inv.region(p.AccountID, p.Region)
		for i := range r.EndpointServices {
			if r.EndpointServices[i].Tags["Name"] == endpointServiceTag(p.ID) {
				r.EndpointServices[i].AllowedPrincipals = append(r.EndpointServices[i].AllowedPrincipals, "arn:aws:iam::999999999999:root")
				return true
			}
		}
		return false
	}},
	{"consumer lost its endpoint to one peer", func(_ *config.Environment, fix fixture, p *config.Party, inv *inventory) bool {
		r := inv.region(p.AccountID, p.Region)
		i := slices.IndexFunc(r.VPCEndpoints, func(e vpcEndpoint) bool { return e.VpcID == fix[p.Name].VpcID })
		if i < 0 {
			return false
		}
		r.VPCEndpoints = slices.Delete(r.VPCEndpoints, i, i+1)
		return true
	}},
	{"firewall admits 0.0.0.0/0 on an MPC port", func(env *config.Environment, fix fixture, p *config.Party, inv *inventory) bool {
		return editFirewall(env, fix, p, inv, func(sg *securityGroup) bool {
			port := env.PortList()[0].Number
			sg.Rules = append(sg.Rules, sgRule{Protocol: "tcp", From: port, To: port, CIDRv4: "0.0.0.0/0"})
			return true
		})
	}},
	{"firewall forgot one peer", func(env *config.Environment, fix fixture, p *config.Party, inv *inventory) bool {
		return editFirewall(env, fix, p, inv, func(sg *securityGroup) bool {
			i := slices.IndexFunc(sg.Rules, func(r sgRule) bool { return !r.Egress })
			if i < 0 {
				return false
			}
			sg.Rules = slices.Delete(sg.Rules, i, i+1)
			return true
		})
	}},
	{"Elastic IP tagged for another party", func(env *config.Environment, _ fixture, p *config.Party, inv *inventory) bool {
		r := inv.region(p.AccountID, p.Region)
		for i := range r.Addresses {
			if a := &r.Addresses[i]; a.Tags[eipPartyTag] == strconv.Itoa(p.ID) && a.Tags[eipEnvTag] == env.Name {
				a.Tags[eipPartyTag] = strconv.Itoa(p.ID + 100)
				return true
			}
		}
		return false
	}},
}

func editBucket(inv *inventory, account, name string, edit func(*bucketInv)) bool {
	a := inv.account(account)
	for i := range a.Buckets {
		if a.Buckets[i].Name == name {
			edit(&a.Buckets[i])
			return true
		}
	}
	return false
}

func editFirewall(env *config.Environment, fix fixture, p *config.Party, inv *inventory, edit func(*securityGroup) bool) bool {
	r := inv.region(p.AccountID, p.Region)
	for i := range r.SecurityGroups {
		if sg := &r.SecurityGroups[i]; sg.Name == env.Names(p).FirewallSG && sg.VpcID == fix[p.Name].VpcID {
			return edit(sg)
		}
	}
	return false
}

// uncaughtMutations applies every mutation to its own copy of inv, a
// deployed mesh that checkMesh accepts, and returns those checkMesh does not
// report: a check that cannot fail would show up here. Mutations with
// nothing to break in this environment (the KubeIP ones under PrivateLink
// and the reverse) are counted in applied but not run.
func uncaughtMutations(env *config.Environment, fix fixture, inv *inventory) (uncaught []string, applied int, err error) {
	raw, err := json.Marshal(inv)
	if err != nil {
		return nil, 0, err
	}
	first := env.ManagedParties()[0]
	for _, m := range mutations {
		var broken inventory
		if err := json.Unmarshal(raw, &broken); err != nil {
			return nil, 0, err
		}
		if !m.apply(env, fix, first, &broken) {
			continue
		}
		applied++
		if len(checkMesh(env, fix, &broken)) == 0 {
			uncaught = append(uncaught, fmt.Sprintf("%s (%s)", m.name, first.Name))
		}
	}
	return uncaught, applied, nil
}
