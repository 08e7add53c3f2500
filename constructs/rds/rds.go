// Package rds creates the optional PostgreSQL database of the kms-connector:
// an encrypted, private RDS instance whose master password AWS Secrets
// Manager manages (no password ever enters Terraform state), its subnet
// group, a parameter group whose family follows the engine version, a
// security group admitting the configured port from the given sources only,
// and, when enhanced monitoring is on, the monitoring role.
package rds

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbinstance"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbparametergroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbsubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/secretsmanagersecretrotation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/constructs/attestedkey"
	policy "github.com/mpc-mesh/infra/internal/iampolicy"
)

// Defaults of the database.
const (
	DefaultEngineVersion       = "17.2"
	DefaultInstanceClass       = "db.t4g.medium"
	DefaultAllocatedStorage    = 50
	DefaultMaxAllocatedStorage = 100
	DefaultPort                = 5432
	DefaultDBName              = "kmsconnector"
	DefaultUsername            = "zws"
	DefaultBackupRetentionDays = 7
	// PerformanceInsightsRetentionDays is the free retention tier.
	PerformanceInsightsRetentionDays = 7
)

// Parameter is one database parameter of the parameter group.
type Parameter struct {
	// Name of the parameter, such as "rds.force_ssl".
	Name string
	// Value of the parameter.
	Value string
	// ApplyMethod is "immediate" or "pending-reboot" (static parameters need
	// the latter). Default: "immediate".
	ApplyMethod string
}

// DefaultParameters forces TLS on every connection (rds.force_ssl = 1). A
// kms-connector that cannot speak TLS needs rds.force_ssl = 0: a deployment
// whose connector still cannot must pass {rds.force_ssl, 0} explicitly and
// accept plaintext traffic inside the VPC.
var DefaultParameters = []Parameter{{Name: "rds.force_ssl", Value: "1"}}

// Props configures the database.
type Props struct {
	// Identifier is the DB instance identifier, also used to name the subnet
	// group, the security group and the final snapshot. Required (the config
	// layer derives "<env>-<party>-<db name>", lowercased, at most 63 characters).
	Identifier string
	// EngineVersion is the PostgreSQL version; the parameter-group family is
	// derived from it ("17.2" → "postgres17"). Default: DefaultEngineVersion.
	EngineVersion string
	// InstanceClass of the instance. Default: DefaultInstanceClass.
	InstanceClass string
	// AllocatedStorage is the initial gp3 storage in GiB. Default: DefaultAllocatedStorage.
	AllocatedStorage int
	// MaxAllocatedStorage is the storage-autoscaling ceiling in GiB. Default: DefaultMaxAllocatedStorage.
	MaxAllocatedStorage int
	// DBName is the database created on the instance. Default: DefaultDBName.
	DBName string
	// Username is the master user name. Default: DefaultUsername. Its
	// password is generated and rotated by AWS in Secrets Manager.
	Username string
	// Port the database listens on, and the only port the security group
	// admits. Default: DefaultPort.
	Port int
	// KMSKeyARN encrypts the storage, the Performance Insights data and the
	// master-user secret. Default: nil, the key CustomerKey creates, or else
	// the AWS-managed keys (aws/rds, aws/secretsmanager); storage is
	// encrypted either way.
	KMSKeyARN *string
	// CustomerKey creates a dedicated customer-managed key (yearly rotation,
	// policy of KeyPolicy) for the storage, the Performance Insights data and
	// the master-user secret, when KMSKeyARN is nil. Default: false.
	CustomerKey bool
	// AccountID and Region scope the customer key's policy (kms:CallerAccount,
	// kms:ViaService). Required when CustomerKey is set.
	AccountID, Region string
	// SubnetIDs are the private subnets of the DB subnet group. Required; may be a token list.
	SubnetIDs *[]*string
	// VpcID is the VPC of the security group. Required; may be a token.
	VpcID *string
	// SourceSecurityGroupID is the security group (the nodes running the
	// connector) admitted on Port. Default: nil, no security-group source.
	SourceSecurityGroupID *string
	// AllowedCIDRs are extra IPv4 CIDR blocks admitted on Port. Default: none.
	// 0.0.0.0/0 is refused (New panics): the database is never open to all.
	AllowedCIDRs []string
	// DisableDeletionProtection turns RDS deletion protection off. Default:
	// false, protection on.
	DisableDeletionProtection bool
	// IAMDatabaseAuthentication enables IAM database authentication next to
	// the password. Default: false.
	IAMDatabaseAuthentication bool
	// MultiAZ runs a standby in a second availability zone. Default: false.
	MultiAZ bool
	// BackupRetentionDays is how long automated backups are kept. Default: DefaultBackupRetentionDays.
	BackupRetentionDays int
	// MaintenanceWindow such as "sun:03:00-sun:04:00". Default: chosen by AWS.
	MaintenanceWindow string
	// MonitoringInterval is the enhanced-monitoring period in seconds (0, 1,
	// 5, 10, 15, 30 or 60). Default: 0, off, and no monitoring role is created.
	MonitoringInterval int
	// MonitoringRoleName names the enhanced-monitoring role when
	// MonitoringInterval > 0. Default: "<identifier>-rds-monitoring" (the
	// identifier shortened to fit IAM's 64 characters).
	MonitoringRoleName string
	// MonitoringRoleARN is an existing enhanced-monitoring role to use
	// instead of creating one. Default: nil, a role is created when
	// MonitoringInterval > 0.
	MonitoringRoleARN *string
	// PasswordRotationDays rotates the RDS-managed master password every so
	// many days through its Secrets Manager secret (managed rotation, no
	// Lambda). Default: 0, no schedule of this app's own: the secret keeps
	// the rotation Secrets Manager gives RDS-managed secrets.
	PasswordRotationDays int
	// Partition is the AWS partition, for the managed policy ARN. Default: "aws".
	Partition string
	// Parameters of the parameter group. Default (nil): DefaultParameters. A
	// non-nil empty slice sets none.
	Parameters []Parameter
	// Tags added to every resource that takes tags, on top of the provider's
	// default tags. A Name tag is always added.
	Tags map[string]string
}

// Database is the created database and its network access.
type Database struct {
	// Instance is the DB instance resource.
	Instance dbinstance.DbInstance
	// SecurityGroup is the security group attached to the instance.
	SecurityGroup securitygroup.SecurityGroup
	// EndpointAddress is the instance's DNS name (no port).
	EndpointAddress *string
	// Port is the port the database listens on.
	Port int
	// MasterSecretARN is the ARN of the Secrets Manager secret holding the master credentials.
	MasterSecretARN *string
	// SecurityGroupID is the id of the database's security group.
	SecurityGroupID *string
}

// ParameterFamily returns the parameter-group family of a PostgreSQL
// version: "postgres<major>" from version 10 on ("17.2" → "postgres17"),
// "postgres<major>.<minor>" before ("9.6.22" → "postgres9.6").
func ParameterFamily(engineVersion string) string {
	parts := strings.Split(engineVersion, ".")
	if major, err := strconv.Atoi(parts[0]); err == nil && major < 10 && len(parts) > 1 {
		return "postgres" + parts[0] + "." + parts[1]
	}
	return "postgres" + parts[0]
}

// MonitoringRoleName returns the default enhanced-monitoring role name of an identifier.
func MonitoringRoleName(identifier string) string {
	const suffix = "-rds-monitoring"
	if max := 64 - len(suffix); len(identifier) > max {
		identifier = strings.TrimRight(identifier[:max], "-")
	}
	return identifier + suffix
}

// New creates the database and everything it needs.
func New(scope constructs.Construct, id string, props *Props) *Database {
	p := withDefaults(props)
	for _, cidr := range p.AllowedCIDRs {
		if cidr == "0.0.0.0/0" {
			panic(fmt.Sprintf("rds %s: AllowedCIDRs contains 0.0.0.0/0; the database is never open to the internet", p.Identifier))
		}
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	tags := func(name string) *map[string]*string {
		res := map[string]*string{"Name": jsii.String(name)}
		for k, v := range p.Tags {
			res[k] = jsii.String(v)
		}
		return &res
	}

	subnets := dbsubnetgroup.NewDbSubnetGroup(c, jsii.String("subnet-group"), &dbsubnetgroup.DbSubnetGroupConfig{
		Name:        jsii.String(p.Identifier),
		Description: jsii.String("Private subnets of " + p.Identifier),
		SubnetIds:   p.SubnetIDs,
		Tags:        tags(p.Identifier),
	})

	family := ParameterFamily(p.EngineVersion)
	var params []*dbparametergroup.DbParameterGroupParameter
	for _, prm := range p.Parameters {
		method := prm.ApplyMethod
		if method == "" {
			method = "immediate"
		}
		params = append(params, &dbparametergroup.DbParameterGroupParameter{
			Name: jsii.String(prm.Name), Value: jsii.String(prm.Value), ApplyMethod: jsii.String(method),
		})
	}
	paramGroup := dbparametergroup.NewDbParameterGroup(c, jsii.String("parameter-group"), &dbparametergroup.DbParameterGroupConfig{
		// A prefix and create-before-destroy: a major upgrade changes the
		// family, which replaces the group while the instance still uses the old one.
		NamePrefix:  jsii.String(p.Identifier + "-"),
		Family:      jsii.String(family),
		Description: jsii.String("Parameters of " + p.Identifier + " (" + family + ")"),
		Parameter:   params,
		Tags:        tags(p.Identifier),
		Lifecycle:   &cdktf.TerraformResourceLifecycle{CreateBeforeDestroy: jsii.Bool(true)},
	})

	sg := securitygroup.NewSecurityGroup(c, jsii.String("security-group"), &securitygroup.SecurityGroupConfig{
		Name:        jsii.String(p.Identifier),
		Description: jsii.String("PostgreSQL access to " + p.Identifier),
		VpcId:       p.VpcID,
		Tags:        tags(p.Identifier),
	})
	// The rule uses the configured port: a predefined PostgreSQL rule is
	// fixed at 5432 and would not admit a database on another port.
	ingress := func(ruleID, desc string, cfg *vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig) {
		cfg.SecurityGroupId = sg.Id()
		cfg.IpProtocol = jsii.String("tcp")
		cfg.FromPort = jsii.Number(float64(p.Port))
		cfg.ToPort = jsii.Number(float64(p.Port))
		cfg.Description = jsii.String(desc)
		vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(c, jsii.String(ruleID), cfg)
	}
	if p.SourceSecurityGroupID != nil {
		ingress("ingress-from-source-sg", "PostgreSQL from the connector's security group",
			&vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{ReferencedSecurityGroupId: p.SourceSecurityGroupID})
	}
	for _, cidr := range p.AllowedCIDRs {
		// Keyed by the CIDR, not its position, so reordering changes nothing;
		// "/" separates construct paths and cannot appear in an id.
		ingress("ingress-from-"+strings.NewReplacer("/", "-", ".", "-").Replace(cidr), "PostgreSQL from "+cidr,
			&vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{CidrIpv4: jsii.String(cidr)})
	}

	if p.KMSKeyARN == nil && p.CustomerKey {
		key := kmskey.NewKmsKey(c, jsii.String("key"), &kmskey.KmsKeyConfig{
			Description:          jsii.String("Storage, Performance Insights and master-user secret of RDS instance " + p.Identifier),
			KeyUsage:             jsii.String("ENCRYPT_DECRYPT"),
			EnableKeyRotation:    jsii.Bool(true),
			DeletionWindowInDays: jsii.Number(attestedkey.DefaultDeletionWindowDays),
			Policy:               KeyPolicy(p.Partition, p.AccountID, p.Region).JSON(),
			Tags:                 tags(p.Identifier),
		})
		p.KMSKeyARN = key.Arn()
	}

	monitoringRoleARN := p.MonitoringRoleARN
	if p.MonitoringInterval > 0 && monitoringRoleARN == nil {
		monitoringRoleARN = monitoringRole(c, p, tags)
	}

	db := dbinstance.NewDbInstance(c, jsii.String("instance"), &dbinstance.DbInstanceConfig{
		Identifier:          jsii.String(p.Identifier),
		Engine:              jsii.String("postgres"),
		EngineVersion:       jsii.String(p.EngineVersion),
		InstanceClass:       jsii.String(p.InstanceClass),
		AllocatedStorage:    jsii.Number(float64(p.AllocatedStorage)),
		MaxAllocatedStorage: jsii.Number(float64(p.MaxAllocatedStorage)),
		StorageType:         jsii.String("gp3"),
		StorageEncrypted:    jsii.Bool(true),
		KmsKeyId:            p.KMSKeyARN,
		DbName:              jsii.String(p.DBName),
		Username:            jsii.String(p.Username),
		// Secrets Manager generates, stores and rotates the password; no
		// password attribute exists in the configuration or in state.
		ManageMasterUserPassword:         jsii.Bool(true),
		MasterUserSecretKmsKeyId:         p.KMSKeyARN,
		Port:                             jsii.Number(float64(p.Port)),
		DbSubnetGroupName:                subnets.Name(),
		ParameterGroupName:               paramGroup.Name(),
		VpcSecurityGroupIds:              &[]*string{sg.Id()},
		PubliclyAccessible:               jsii.Bool(false),
		MultiAz:                          jsii.Bool(p.MultiAZ),
		IamDatabaseAuthenticationEnabled: jsii.Bool(p.IAMDatabaseAuthentication),
		DeletionProtection:               jsii.Bool(!p.DisableDeletionProtection),
		BackupRetentionPeriod:            jsii.Number(float64(p.BackupRetentionDays)),
		CopyTagsToSnapshot:               jsii.Bool(true),
		SkipFinalSnapshot:                jsii.Bool(false),
		// Deterministic, with no random suffix: the snapshot a destroy
		// leaves behind is found by name.
		FinalSnapshotIdentifier:            jsii.String(p.Identifier + "-final"),
		AutoMinorVersionUpgrade:            jsii.Bool(true),
		PerformanceInsightsEnabled:         jsii.Bool(true),
		PerformanceInsightsKmsKeyId:        p.KMSKeyARN,
		PerformanceInsightsRetentionPeriod: jsii.Number(PerformanceInsightsRetentionDays),
		MonitoringInterval:                 jsii.Number(float64(p.MonitoringInterval)),
		MonitoringRoleArn:                  monitoringRoleARN,
		MaintenanceWindow:                  optional(p.MaintenanceWindow),
		Tags:                               tags(p.Identifier),
	})
	if p.PasswordRotationDays > 0 {
		// The secret is the one RDS creates and owns; only its schedule is set here.
		secretsmanagersecretrotation.NewSecretsmanagerSecretRotation(c, jsii.String("password-rotation"), &secretsmanagersecretrotation.SecretsmanagerSecretRotationConfig{
			SecretId: db.MasterUserSecret().Get(jsii.Number(0)).SecretArn(),
			RotationRules: &secretsmanagersecretrotation.SecretsmanagerSecretRotationRotationRules{
				AutomaticallyAfterDays: jsii.Number(float64(p.PasswordRotationDays)),
			},
		})
	}
	return &Database{
		Instance:        db,
		SecurityGroup:   sg,
		EndpointAddress: db.Address(),
		Port:            p.Port,
		MasterSecretARN: db.MasterUserSecret().Get(jsii.Number(0)).SecretArn(),
		SecurityGroupID: sg.Id(),
	}
}

// KeyUseActions are what RDS and Secrets Manager call on the customer key on
// behalf of the account's principals: encrypt and decrypt storage, Performance
// Insights data and the secret, and create the grants RDS keeps for the instance.
var KeyUseActions = []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"}

// SidKeyUseThroughServices is the statement id of the customer key's use grant.
const SidKeyUseThroughServices = "UseThroughRDSAndSecretsManager"

// KeyPolicy returns the customer key's policy: the administration set for
// the account root (no cryptographic use, attestedkey.AdministrationStatement),
// and KeyUseActions for principals of the account only when the request comes
// through RDS or Secrets Manager in the key's region: the key cannot decrypt
// anything called directly.
func KeyPolicy(partition, accountID, region string) policy.Document {
	root := attestedkey.RootARN(partition, &accountID)
	return policy.New(
		attestedkey.AdministrationStatement(root),
		policy.Statement{
			Sid:       SidKeyUseThroughServices,
			Effect:    policy.Allow,
			Principal: policy.AWSPrincipal(root),
			Action:    KeyUseActions,
			Resource:  []string{"*"},
			Condition: map[string]map[string]any{"StringEquals": {
				"kms:CallerAccount": accountID,
				"kms:ViaService":    []string{"rds." + region + ".amazonaws.com", "secretsmanager." + region + ".amazonaws.com"},
			}},
		},
	)
}

// monitoringRole creates the enhanced-monitoring role with a per-database
// name (a fixed name such as rds-monitoring-role would collide between
// deployments in one account) and returns its ARN.
func monitoringRole(c constructs.Construct, p Props, tags func(string) *map[string]*string) *string {
	name := p.MonitoringRoleName
	if name == "" {
		name = MonitoringRoleName(p.Identifier)
	}
	role := iamrole.NewIamRole(c, jsii.String("monitoring-role"), &iamrole.IamRoleConfig{
		Name:        jsii.String(name),
		Description: jsii.String("Enhanced monitoring of RDS instance " + p.Identifier),
		// Only the RDS enhanced-monitoring service assumes it, to publish OS metrics.
		AssumeRolePolicy: policy.New(policy.Statement{
			Effect:    policy.Allow,
			Principal: policy.ServicePrincipal("monitoring.rds.amazonaws.com"),
			Action:    []string{"sts:AssumeRole"},
		}).JSON(),
		Tags: tags(name),
	})
	iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("monitoring-policy"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      role.Name(),
		PolicyArn: jsii.String("arn:" + p.Partition + ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"),
	})
	return role.Arn()
}

// withDefaults returns a copy of props with every zero value replaced by its default.
func withDefaults(props *Props) Props {
	p := *props
	orString := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	orInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	orString(&p.EngineVersion, DefaultEngineVersion)
	orString(&p.InstanceClass, DefaultInstanceClass)
	orString(&p.DBName, DefaultDBName)
	orString(&p.Username, DefaultUsername)
	orString(&p.Partition, "aws")
	orInt(&p.AllocatedStorage, DefaultAllocatedStorage)
	orInt(&p.MaxAllocatedStorage, DefaultMaxAllocatedStorage)
	orInt(&p.Port, DefaultPort)
	orInt(&p.BackupRetentionDays, DefaultBackupRetentionDays)
	if p.Parameters == nil {
		p.Parameters = DefaultParameters
	}
	return p
}

// optional returns nil for an empty string, so Terraform keeps its default.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
