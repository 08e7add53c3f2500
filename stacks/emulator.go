package stacks

import (
	"fmt"
	"net/url"
	"os"

	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
)

// EmulatorEnv names the environment variable that switches every AWS
// provider to an AWS API emulator (moto_server) at that URL. Tests set it;
// operators never do.
const EmulatorEnv = "MPC_AWS_ENDPOINT"

// Emulator points the AWS providers at one emulator endpoint for every service.
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

// configure sets endpoints and dummy credentials. The emulator derives the
// account from a 12-digit access key, so each party lands in its own account.
func (e *Emulator) configure(cfg *awsprovider.AwsProviderConfig, accountID string) {
	ep := &awsprovider.AwsProviderEndpoints{}
	u := jsii.String(e.URL)
	ep.Ec2, ep.Elbv2, ep.S3, ep.Iam, ep.Kms, ep.Eks, ep.Rds, ep.Sts, ep.Route53, ep.Secretsmanager = u, u, u, u, u, u, u, u, u, u
	cfg.Endpoints = &[]*awsprovider.AwsProviderEndpoints{ep}
	cfg.AccessKey = jsii.String(accountID)
	cfg.SecretKey = jsii.String("emulator")
	cfg.SkipCredentialsValidation = jsii.Bool(true)
	cfg.SkipRequestingAccountId = jsii.Bool(true)
	cfg.SkipMetadataApiCheck = jsii.String("true")
	cfg.SkipRegionValidation = jsii.Bool(true)
	cfg.S3UsePathStyle = jsii.Bool(true)
}
