package stacks

import (
	"fmt"
	"net/url"
	"os"

	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/internal/emulator"
)

// EmulatorEnv names the environment variable that switches every AWS
// provider and the S3 state backend to an AWS API emulator (moto_server) at
// that URL. `make emulator` prints it and the end-to-end test sets it; it
// has no use against AWS.
const EmulatorEnv = emulator.URLEnv

// Emulator points the AWS providers at one emulator endpoint for every service.
// Never used against AWS: the synthesized providers carry dummy keys.
type Emulator struct {
	// URL of the emulator, for example http://127.0.0.1:5000.
	URL string
}

// EmulatorFromEnv returns the emulator named by MPC_AWS_ENDPOINT, nil when unset.
func EmulatorFromEnv() (*Emulator, error) {
	raw := os.Getenv(EmulatorEnv)
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s=%q is not an http(s) URL; unset it or use http://127.0.0.1:<port>", EmulatorEnv, raw)
	}
	return &Emulator{URL: raw}, nil
}

// EmulatorRoleName is the role every AWS provider assumes in its party's
// account when it talks to the emulator. moto_server does not need the role to
// exist: assuming arn:aws:iam::<account>:role/<any> returns keys that it files
// under <account>, which is how each party gets its own emulated account.
// (moto files every other access key, a 12-digit one included, under its
// default account 123456789012.)
const EmulatorRoleName = "mpc-emulator"

// EmulatorAccessKey and EmulatorSecretKey are the dummy base credentials the
// providers sign the AssumeRole call with.
const (
	EmulatorAccessKey = "emulator"
	EmulatorSecretKey = "emulator"
)

// configure sets endpoints, dummy credentials and the role to assume in the
// party's account. The skip_* flags keep the provider from calling the
// instance metadata service and from checking the credentials and region
// against real AWS. The account id is looked up (sts:GetCallerIdentity, on
// the emulator) as against AWS: without it the provider cannot tell its own
// account's security groups from a peer's and reads every referenced group
// back as "<account>/<group id>", which a re-plan then wants to change.
func (e *Emulator) configure(cfg *awsprovider.AwsProviderConfig, accountID, region string) {
	ep := &awsprovider.AwsProviderEndpoints{}
	u := jsii.String(e.URL)
	ep.Ec2, ep.Elbv2, ep.S3, ep.Iam, ep.Kms, ep.Eks, ep.Rds, ep.Sts, ep.Route53, ep.Secretsmanager = u, u, u, u, u, u, u, u, u, u
	cfg.Endpoints = &[]*awsprovider.AwsProviderEndpoints{ep}
	cfg.AccessKey = jsii.String(EmulatorAccessKey)
	cfg.SecretKey = jsii.String(EmulatorSecretKey)
	cfg.AssumeRole = &[]*awsprovider.AwsProviderAssumeRole{{
		RoleArn:     jsii.String(EmulatorRoleARN(accountID, region)),
		SessionName: jsii.String("mpc-emulator"),
	}}
	cfg.SkipCredentialsValidation = jsii.Bool(true)
	cfg.SkipRequestingAccountId = jsii.Bool(false)
	cfg.SkipMetadataApiCheck = jsii.String("true")
	cfg.SkipRegionValidation = jsii.Bool(true)
	cfg.S3UsePathStyle = jsii.Bool(true)
}

// EmulatorRoleARN is the role the providers of a party in that account and
// region assume against the emulator; test clients assume the same one.
func EmulatorRoleARN(accountID, region string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition(region), accountID, EmulatorRoleName)
}

// configureBackend points an S3 state backend (and so the remote state data
// sources cdktf derives from it) at the emulator: path-style addressing,
// because the emulator serves no per-bucket host names; the dummy keys,
// which the emulator files under its default account, where `make
// emulator` creates the state bucket; and no credential, region or account
// checks, which would otherwise go to real AWS.
func (e *Emulator) configureBackend(cfg *cdktf.S3BackendConfig) {
	u := jsii.String(e.URL)
	cfg.Endpoints = &cdktf.S3BackendEndpointConfig{S3: u, Sts: u, Iam: u}
	cfg.UsePathStyle = jsii.Bool(true)
	cfg.AccessKey = jsii.String(EmulatorAccessKey)
	cfg.SecretKey = jsii.String(EmulatorSecretKey)
	cfg.Profile = nil
	cfg.SkipCredentialsValidation = jsii.Bool(true)
	cfg.SkipRegionValidation = jsii.Bool(true)
	cfg.SkipRequestingAccountId = jsii.Bool(true)
	cfg.SkipMetadataApiCheck = jsii.Bool(true)
}
