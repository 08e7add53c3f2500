package config

import (
	"encoding/json"
	"fmt"
	"io"
)

// Output names of a provider stack that describe what a party publishes.
// The provider stacks define outputs with exactly these names.
const (
	// OutputPublicIPs lists every Elastic IP of a KubeIP party, in index order.
	OutputPublicIPs           = "public_ips"
	OutputEndpointServiceName = "endpoint_service_name"
	OutputAvailabilityZoneIDs = "availability_zone_ids"
)

// ExportedPeer is the block a party hands to other organisations. It is a
// complete entry of an environment's parties list: paste it under parties:
// (JSON is valid YAML) and the party becomes an external peer there.
type ExportedPeer struct {
	ID        int      `json:"id"`
	Name      string   `json:"name"`
	AccountID string   `json:"account_id"`
	Region    string   `json:"region"`
	External  External `json:"external"`
}

// ExportPeer builds the exported block of a managed party from the outputs of
// its provider stack (`terraform output -json`, read from outputs). The
// published values only exist once the provider stack is applied.
func ExportPeer(env *Environment, partyName string, outputs io.Reader) (string, error) {
	party, err := env.ManagedParty(partyName)
	if err != nil {
		return "", err
	}
	var raw map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	data, err := io.ReadAll(io.LimitReader(outputs, MaxFileBytes))
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return "", fmt.Errorf("read the provider stack outputs: %w; pipe `terraform output -json` of %s into this command (make peers-export does)", err, env.StackName(party, LayerProvider))
	}
	out := ExportedPeer{ID: party.ID, Name: party.Name, AccountID: party.AccountID, Region: party.Region}
	need := func(name string, into any) error {
		v, ok := raw[name]
		if !ok {
			return fmt.Errorf("output %q is missing: apply %s first", name, env.StackName(party, LayerProvider))
		}
		return json.Unmarshal(v.Value, into)
	}
	switch env.Strategy {
	case KubeIP:
		// One address is exported as public_ip, the form every version of
		// this app reads; several as public_ips.
		var ips []string
		if err = need(OutputPublicIPs, &ips); err == nil {
			if len(ips) == 1 {
				out.External.PublicIP = ips[0]
			} else {
				out.External.PublicIPs = ips
			}
		}
	case PrivateLink:
		if err = need(OutputEndpointServiceName, &out.External.EndpointServiceName); err == nil {
			err = need(OutputAvailabilityZoneIDs, &out.External.AvailabilityZoneIDs)
		}
	}
	if err != nil {
		return "", err
	}
	vault := &PublicVault{}
	if err = need(OutputPublicVaultBucket, &vault.Bucket); err == nil {
		err = need(OutputPublicVaultRegion, &vault.Region)
	}
	if err != nil {
		return "", err
	}
	out.External.PublicVault = vault
	b, _ := json.MarshalIndent(out, "", "  ")
	return string(b), nil
}

func managedNames(env *Environment) []string {
	var res []string
	for _, p := range env.ManagedParties() {
		res = append(res, p.Name)
	}
	return res
}
