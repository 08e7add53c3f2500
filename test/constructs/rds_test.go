package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/mpc-mesh/infra/constructs/rds"
	"github.com/mpc-mesh/infra/test/synthtest"
)

const (
	rdsIdentifier = "local-p1-kmsconnector"
	rdsNodeSG     = "sg-0123456789abcdef0"
)

func rdsSynth(t *testing.T, mutate func(*rds.Props)) *synthtest.Doc {
	p := &rds.Props{
		Identifier:            rdsIdentifier,
		SubnetIDs:             jsii.Strings("subnet-a", "subnet-b"),
		VpcID:                 jsii.String("vpc-1"),
		SourceSecurityGroupID: jsii.String(rdsNodeSG),
	}
	if mutate != nil {
		mutate(p)
	}
	return synthtest.Stack(t, func(s constructs.Construct) { rds.New(s, "db", p) })
}

func TestRDSStorageAndInsightsEncrypted(t *testing.T) {
	db := rdsSynth(t, nil).Resource("aws_db_instance")
	if db["storage_encrypted"] != true || db["performance_insights_enabled"] != true {
		t.Errorf("storage_encrypted/performance_insights_enabled = %v/%v", db["storage_encrypted"], db["performance_insights_enabled"])
	}
	if db["kms_key_id"] != nil {
		t.Errorf("kms_key_id = %v without a key prop, want the AWS-managed default", db["kms_key_id"])
	}
	const key = "arn:aws:kms:eu-west-1:111122223333:key/abc"
	withKey := rdsSynth(t, func(p *rds.Props) { p.KMSKeyARN = jsii.String(key) }).Resource("aws_db_instance")
	for _, attr := range []string{"kms_key_id", "performance_insights_kms_key_id", "master_user_secret_kms_key_id"} {
		if withKey[attr] != key {
			t.Errorf("%s = %v, want %s", attr, withKey[attr], key)
		}
	}
}

func TestRDSManagedPasswordNoPasswordInConfig(t *testing.T) {
	db := rdsSynth(t, nil).Resource("aws_db_instance")
	if db["manage_master_user_password"] != true {
		t.Errorf("manage_master_user_password = %v, want true", db["manage_master_user_password"])
	}
	if _, ok := db["password"]; ok {
		t.Errorf("password attribute present: %v", db["password"])
	}
}

func TestRDSSecureDefaults(t *testing.T) {
	db := rdsSynth(t, nil).Resource("aws_db_instance")
	want := map[string]any{
		"engine": "postgres", "engine_version": "17.2", "instance_class": "db.t4g.medium",
		"allocated_storage": float64(50), "max_allocated_storage": float64(100), "storage_type": "gp3",
		"deletion_protection": true, "publicly_accessible": false, "backup_retention_period": float64(7),
		"copy_tags_to_snapshot": true, "skip_final_snapshot": false, "auto_minor_version_upgrade": true,
		"final_snapshot_identifier": rdsIdentifier + "-final", "identifier": rdsIdentifier, "port": float64(5432),
		"monitoring_interval": float64(0),
	}
	for attr, v := range want {
		if db[attr] != v {
			t.Errorf("%s = %v, want %v", attr, db[attr], v)
		}
	}
	off := rdsSynth(t, func(p *rds.Props) { p.DisableDeletionProtection = true }).Resource("aws_db_instance")
	if off["deletion_protection"] != false {
		t.Errorf("deletion_protection = %v with protection disabled, want false", off["deletion_protection"])
	}
}

// The SG rules follow the configured port; they must not stay at 5432
// whatever the port.
func TestRDSSecurityGroupAdmitsConfiguredPortOnly(t *testing.T) {
	doc := rdsSynth(t, func(p *rds.Props) {
		p.Port = 6432
		p.AllowedCIDRs = []string{"10.20.0.0/16"}
	})
	if got := doc.Resource("aws_db_instance")["port"]; got != float64(6432) {
		t.Errorf("instance port = %v, want 6432", got)
	}
	sgID := "${aws_security_group." + synthtest.Names(doc.Resources("aws_security_group"))[0] + ".id}"
	rules := doc.Resources("aws_vpc_security_group_ingress_rule")
	if len(rules) != 2 {
		t.Fatalf("want 2 ingress rules (source SG and CIDR), got %v", synthtest.Names(rules))
	}
	sources := map[string]bool{}
	for name, r := range rules {
		if r["from_port"] != float64(6432) || r["to_port"] != float64(6432) || r["ip_protocol"] != "tcp" {
			t.Errorf("rule %s ports = %v-%v/%v, want tcp 6432", name, r["from_port"], r["to_port"], r["ip_protocol"])
		}
		if r["security_group_id"] != sgID {
			t.Errorf("rule %s attaches to %v, want %s", name, r["security_group_id"], sgID)
		}
		if s, ok := r["referenced_security_group_id"].(string); ok {
			sources[s] = true
		}
		if s, ok := r["cidr_ipv4"].(string); ok {
			sources[s] = true
		}
	}
	if !reflect.DeepEqual(sources, map[string]bool{rdsNodeSG: true, "10.20.0.0/16": true}) {
		t.Errorf("rule sources = %v", sources)
	}
	if len(doc.Resources("aws_vpc_security_group_egress_rule")) != 0 {
		t.Error("database security group has egress rules")
	}
}

func TestRDSOpenCIDRIsRefused(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "0.0.0.0/0") {
			t.Errorf("recover() = %v, want a panic naming 0.0.0.0/0", r)
		}
	}()
	rds.New(nil, "db", &rds.Props{Identifier: rdsIdentifier, AllowedCIDRs: []string{"10.0.0.0/8", "0.0.0.0/0"}})
}

func TestRDSParameterFamilyFromVersion(t *testing.T) {
	for version, want := range map[string]string{"17.2": "postgres17", "16.4": "postgres16", "13": "postgres13", "9.6.22": "postgres9.6"} {
		if got := rds.ParameterFamily(version); got != want {
			t.Errorf("ParameterFamily(%q) = %q, want %q", version, got, want)
		}
	}
	pg := rdsSynth(t, func(p *rds.Props) { p.EngineVersion = "16.4" }).Resource("aws_db_parameter_group")
	if pg["family"] != "postgres16" {
		t.Errorf("family = %v, want postgres16", pg["family"])
	}
}

func TestRDSForceSSLByDefaultAndConfigurable(t *testing.T) {
	param := func(pg synthtest.Object) map[string]string {
		res := map[string]string{}
		list, _ := pg["parameter"].([]any)
		for _, e := range list {
			m := e.(map[string]any)
			res[m["name"].(string)] = m["value"].(string)
		}
		return res
	}
	if got := param(rdsSynth(t, nil).Resource("aws_db_parameter_group")); !reflect.DeepEqual(got, map[string]string{"rds.force_ssl": "1"}) {
		t.Errorf("default parameters = %v, want rds.force_ssl=1", got)
	}
	custom := rdsSynth(t, func(p *rds.Props) { p.Parameters = []rds.Parameter{{Name: "rds.force_ssl", Value: "0"}} })
	if got := param(custom.Resource("aws_db_parameter_group")); !reflect.DeepEqual(got, map[string]string{"rds.force_ssl": "0"}) {
		t.Errorf("custom parameters = %v, want rds.force_ssl=0", got)
	}
}

// With monitoring off, no monitoring role is created (and none ever with a
// fixed name such as rds-monitoring-role, which would collide between
// deployments in one account).
func TestRDSNoMonitoringRoleWhenIntervalZero(t *testing.T) {
	doc := rdsSynth(t, nil)
	if n := len(doc.Resources("aws_iam_role")); n != 0 {
		t.Errorf("%d IAM roles with monitoring off, want none", n)
	}
	if got := doc.Resource("aws_db_instance")["monitoring_role_arn"]; got != nil {
		t.Errorf("monitoring_role_arn = %v with monitoring off", got)
	}
}

func TestRDSMonitoringRoleIsPerDatabase(t *testing.T) {
	doc := rdsSynth(t, func(p *rds.Props) { p.MonitoringInterval = 60 })
	role := doc.Resource("aws_iam_role")
	if role["name"] != rdsIdentifier+"-rds-monitoring" {
		t.Errorf("monitoring role name = %v, want %s-rds-monitoring", role["name"], rdsIdentifier)
	}
	att := doc.Resource("aws_iam_role_policy_attachment")
	if att["policy_arn"] != "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" {
		t.Errorf("monitoring policy = %v", att["policy_arn"])
	}
	db := doc.Resource("aws_db_instance")
	wantARN := "${aws_iam_role." + synthtest.Names(doc.Resources("aws_iam_role"))[0] + ".arn}"
	if db["monitoring_interval"] != float64(60) || db["monitoring_role_arn"] != wantARN {
		t.Errorf("monitoring = %v / %v, want 60 / %s", db["monitoring_interval"], db["monitoring_role_arn"], wantARN)
	}
	long := strings.Repeat("a", 63)
	if got := rds.MonitoringRoleName(long); len(got) > 64 || !strings.HasSuffix(got, "-rds-monitoring") {
		t.Errorf("MonitoringRoleName(63 chars) = %q (%d chars), want at most 64", got, len(got))
	}
}

func TestRDSSubnetGroupUsesGivenSubnets(t *testing.T) {
	doc := rdsSynth(t, nil)
	sn := doc.Resource("aws_db_subnet_group")
	if got := synthtest.Strings(sn["subnet_ids"]); !reflect.DeepEqual(got, []string{"subnet-a", "subnet-b"}) {
		t.Errorf("subnet_ids = %v", got)
	}
	db := doc.Resource("aws_db_instance")
	if want := "${aws_db_subnet_group." + synthtest.Names(doc.Resources("aws_db_subnet_group"))[0] + ".name}"; db["db_subnet_group_name"] != want {
		t.Errorf("db_subnet_group_name = %v, want %s", db["db_subnet_group_name"], want)
	}
}

// tfsec aws-rds-enable-performance-insights-encryption: with CustomerKey the
// storage, Performance Insights and the master-user secret use one dedicated
// customer key whose use is confined to RDS and Secrets Manager.
func TestRDSCustomerKeyEncryptsStorageInsightsAndSecret(t *testing.T) {
	doc := rdsSynth(t, func(p *rds.Props) {
		p.CustomerKey, p.AccountID, p.Region, p.Partition = true, "111122223333", "eu-west-1", "aws"
	})
	keys := doc.Resources("aws_kms_key")
	if len(keys) != 1 {
		t.Fatalf("want one aws_kms_key, got %v", synthtest.Names(keys))
	}
	name := synthtest.Names(keys)[0]
	key := keys[name]
	if key["enable_key_rotation"] != true {
		t.Errorf("enable_key_rotation = %v, want true", key["enable_key_rotation"])
	}
	db := doc.Resource("aws_db_instance")
	ref := "${aws_kms_key." + name + ".arn}"
	for _, attr := range []string{"kms_key_id", "performance_insights_kms_key_id", "master_user_secret_kms_key_id"} {
		if db[attr] != ref {
			t.Errorf("%s = %v, want %s", attr, db[attr], ref)
		}
	}
	stmts := synthtest.Statements(doc.Policy(key["policy"]))
	if len(stmts) != 2 {
		t.Fatalf("want 2 key policy statements, got %v", stmts)
	}
	for _, a := range synthtest.Strings(stmts[0]["Action"]) {
		if strings.HasPrefix(a, "kms:Decrypt") || strings.HasPrefix(a, "kms:Encrypt") || strings.HasPrefix(a, "kms:GenerateDataKey") {
			t.Errorf("administration statement grants the use action %s", a)
		}
	}
	use := stmts[1]
	if use["Sid"] != rds.SidKeyUseThroughServices || !reflect.DeepEqual(synthtest.Strings(use["Action"]), rds.KeyUseActions) {
		t.Errorf("use statement = %v", use)
	}
	eq, _ := use["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	wantVia := []string{"rds.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"}
	if eq["kms:CallerAccount"] != "111122223333" || !reflect.DeepEqual(synthtest.Strings(eq["kms:ViaService"]), wantVia) {
		t.Errorf("use condition = %v, want caller account 111122223333 and ViaService %v", eq, wantVia)
	}
}

func TestRDSGivenKeyWinsOverCustomerKey(t *testing.T) {
	doc := rdsSynth(t, func(p *rds.Props) {
		p.KMSKeyARN, p.CustomerKey, p.AccountID, p.Region = jsii.String("arn:aws:kms:eu-west-1:111122223333:key/abc"), true, "111122223333", "eu-west-1"
	})
	if keys := doc.Resources("aws_kms_key"); len(keys) != 0 {
		t.Errorf("a key was created although KMSKeyARN is set: %v", synthtest.Names(keys))
	}
}

// An existing monitoring role is used as given: no role is created, so no
// name can clash with another database's.
func TestRDSExistingMonitoringRoleIsUsedAsGiven(t *testing.T) {
	arn := "arn:aws:iam::111122223333:role/rds-monitoring"
	doc := rdsSynth(t, func(p *rds.Props) { p.MonitoringInterval = 30; p.MonitoringRoleARN = jsii.String(arn) })
	if n := len(doc.Resources("aws_iam_role")); n != 0 {
		t.Errorf("%d IAM roles created with an existing monitoring role", n)
	}
	if db := doc.Resource("aws_db_instance"); db["monitoring_role_arn"] != arn || db["monitoring_interval"] != 30.0 {
		t.Errorf("monitoring = %v / %v, want 30 / %s", db["monitoring_interval"], db["monitoring_role_arn"], arn)
	}
}

// Rotation of the managed master password: off by default beyond what
// Secrets Manager does for RDS-managed secrets (no rotation resource);
// with a period, the master secret RDS manages rotates on that schedule.
func TestRDSPasswordRotationOnTheManagedSecret(t *testing.T) {
	if n := len(rdsSynth(t, nil).Resources("aws_secretsmanager_secret_rotation")); n != 0 {
		t.Errorf("%d rotation resources without a period", n)
	}
	doc := rdsSynth(t, func(p *rds.Props) { p.PasswordRotationDays = 30 })
	rot := doc.Resource("aws_secretsmanager_secret_rotation")
	if sid, _ := rot["secret_id"].(string); !strings.Contains(sid, "master_user_secret[0].secret_arn") {
		t.Errorf("secret_id = %v, want the instance's managed master secret", rot["secret_id"])
	}
	if rules := synthtest.Block(rot, "rotation_rules"); rules["automatically_after_days"] != 30.0 {
		t.Errorf("rotation_rules = %v, want every 30 days", rules)
	}
	if _, ok := rot["rotation_lambda_arn"]; ok {
		t.Error("a rotation lambda is named; RDS-managed secrets rotate without one")
	}
}

func TestRDSStorageMultiAZAndBackupsAreConfigurable(t *testing.T) {
	db := rdsSynth(t, func(p *rds.Props) {
		p.AllocatedStorage, p.MaxAllocatedStorage, p.MultiAZ, p.BackupRetentionDays = 100, 500, true, 14
	}).Resource("aws_db_instance")
	if db["allocated_storage"] != 100.0 || db["max_allocated_storage"] != 500.0 || db["multi_az"] != true || db["backup_retention_period"] != 14.0 {
		t.Errorf("storage/multi-AZ/backups = %v/%v/%v/%v", db["allocated_storage"], db["max_allocated_storage"], db["multi_az"], db["backup_retention_period"])
	}
}
