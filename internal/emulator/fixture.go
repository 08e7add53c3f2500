package emulator

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

// CreateFixture creates, per party and in its own account and region, a
// VPC with two private subnets (kubernetes.io/role/internal-elb=1) and two
// public ones (kubernetes.io/role/elb=1) in two availability zones, the EKS
// cluster in that VPC with its cluster security group, and the IAM OIDC
// provider of the cluster's issuer; then, when bucket is not empty, the
// versioned state bucket in the emulator's default account (where the
// dummy keys of a synthesized backend land).
func CreateFixture(api API, parties []FixtureParty, bucket, bucketRegion string) (Fixture, error) {
	if bucket != "" {
		var resp map[string]any
		if err := api.Call("state-bucket", map[string]string{"bucket": bucket, "region": bucketRegion}, &resp); err != nil {
			return nil, err
		}
	}
	req := struct {
		Parties []FixtureParty `json:"parties"`
	}{parties}
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

// Scope is an account and the regions of it that the stacks use.
type Scope struct {
	AccountID string   `json:"account_id"`
	Regions   []string `json:"regions"`
}
