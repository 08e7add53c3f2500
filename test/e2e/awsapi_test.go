package e2e

// inventory is everything the stacks may have created, as the emulator's API reports it.
type inventory struct {
	Regional []regionalInventory `json:"regional"`
	Accounts []accountInventory  `json:"accounts"`
}

type regionalInventory struct {
	AccountID        string            `json:"account_id"`
	Region           string            `json:"region"`
	VPCs             []vpc             `json:"vpcs"`
	EndpointServices []endpointService `json:"endpoint_services"`
	VPCEndpoints     []vpcEndpoint     `json:"vpc_endpoints"`
	SecurityGroups   []securityGroup   `json:"security_groups"`
	Addresses        []address         `json:"addresses"`
	LaunchTemplates  []launchTemplate  `json:"launch_templates"`
	LoadBalancers    []loadBalancer    `json:"load_balancers"`
	TargetGroups     []targetGroup     `json:"target_groups"`
	KMSKeys          []kmsKey          `json:"kms_keys"`
	NodeGroups       []nodeGroup       `json:"node_groups"`
	DBInstances      []dbInstance      `json:"db_instances"`
}

type accountInventory struct {
	AccountID string      `json:"account_id"`
	Roles     []namedARN  `json:"roles"`
	Policies  []namedARN  `json:"policies"`
	Buckets   []bucketInv `json:"buckets"`
}

type tags map[string]string

type vpc struct {
	ID   string `json:"id"`
	CIDR string `json:"cidr"`
	Tags tags   `json:"tags"`
}

type endpointService struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	AcceptanceRequired bool     `json:"acceptance_required"`
	NLBArns            []string `json:"nlb_arns"`
	SupportedRegions   []string `json:"supported_regions"`
	AllowedPrincipals  []string `json:"allowed_principals"`
	Tags               tags     `json:"tags"`
}

type vpcEndpoint struct {
	ID               string   `json:"id"`
	Type             string   `json:"type"`
	VpcID            string   `json:"vpc_id"`
	ServiceName      string   `json:"service_name"`
	ServiceRegion    string   `json:"service_region"`
	State            string   `json:"state"`
	SubnetIDs        []string `json:"subnet_ids"`
	SecurityGroupIDs []string `json:"security_group_ids"`
	Tags             tags     `json:"tags"`
}

type securityGroup struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	VpcID string   `json:"vpc_id"`
	Tags  tags     `json:"tags"`
	Rules []sgRule `json:"rules"`
}

type sgRule struct {
	Egress          bool   `json:"egress"`
	Protocol        string `json:"protocol"`
	From            int    `json:"from"`
	To              int    `json:"to"`
	CIDRv4          string `json:"cidr_ipv4"`
	CIDRv6          string `json:"cidr_ipv6"`
	ReferencedGroup string `json:"referenced_group"`
}

type address struct {
	AllocationID string `json:"allocation_id"`
	PublicIP     string `json:"public_ip"`
	Tags         tags   `json:"tags"`
}

type launchTemplate struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	EnclaveEnabled   bool     `json:"enclave_enabled"`
	HTTPTokens       string   `json:"http_tokens"`
	HTTPEndpoint     string   `json:"http_endpoint"`
	SecurityGroupIDs []string `json:"security_group_ids"`
	Tags             tags     `json:"tags"`
}

type loadBalancer struct {
	ARN           string            `json:"arn"`
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	Scheme        string            `json:"scheme"`
	VpcID         string            `json:"vpc_id"`
	Attributes    map[string]string `json:"attributes"`
	ListenerPorts []int             `json:"listener_ports"`
}

type targetGroup struct {
	ARN  string `json:"arn"`
	Name string `json:"name"`
	Port int    `json:"port"`
}

type kmsKey struct {
	ID      string         `json:"id"`
	ARN     string         `json:"arn"`
	State   string         `json:"state"`
	Aliases []string       `json:"aliases"`
	Policy  map[string]any `json:"policy"`
	KeySpec string         `json:"key_spec"`
	// MultiRegion is the key's multi-Region configuration, nil for a
	// single-region key.
	MultiRegion *multiRegion `json:"multi_region"`
}

type multiRegion struct {
	Type           string   `json:"type"`
	PrimaryARN     string   `json:"primary_arn"`
	ReplicaRegions []string `json:"replica_regions"`
}

type nodeGroup struct {
	Cluster        string            `json:"cluster"`
	Name           string            `json:"name"`
	Subnets        []string          `json:"subnets"`
	LaunchTemplate map[string]string `json:"launch_template"`
	NodeRole       string            `json:"node_role"`
}

type dbInstance struct {
	ID                 string `json:"id"`
	DeletionProtection bool   `json:"deletion_protection"`
	StorageEncrypted   bool   `json:"storage_encrypted"`
	PubliclyAccessible bool   `json:"publicly_accessible"`
}

type namedARN struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

type bucketInv struct {
	Name              string          `json:"name"`
	Versioning        string          `json:"versioning"`
	Encryption        *bucketSSE      `json:"encryption"`
	PublicAccessBlock map[string]bool `json:"public_access_block"`
	Policy            map[string]any  `json:"policy"`
	Region            string          `json:"region"`
	Replication       *replication    `json:"replication"`
}

// replication is a bucket's replication configuration, one rule.
type replication struct {
	Role          string `json:"role"`
	Status        string `json:"status"`
	Destination   string `json:"destination"`
	DeleteMarkers string `json:"delete_markers"`
	ReplicaKMSKey string `json:"replica_kms_key"`
	Rules         int    `json:"rules"`
}

type bucketSSE struct {
	Algorithm string `json:"algorithm"`
	KMSKey    string `json:"kms_key"`
}

// region returns the inventory of one account and region.
func (inv *inventory) region(account, region string) *regionalInventory {
	for i := range inv.Regional {
		if r := &inv.Regional[i]; r.AccountID == account && r.Region == region {
			return r
		}
	}
	return &regionalInventory{AccountID: account, Region: region}
}

// account returns the account-wide inventory (IAM, S3) of one account.
func (inv *inventory) account(account string) *accountInventory {
	for i := range inv.Accounts {
		if a := &inv.Accounts[i]; a.AccountID == account {
			return a
		}
	}
	return &accountInventory{AccountID: account}
}
