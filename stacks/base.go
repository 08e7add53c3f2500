// Package stacks turns a validated environment into cdktf stacks: four
// layers per managed party (provider, consumer, party, cluster), named
// <env>-<party>-<layer>, wired to each other and to the peers' layers through
// cross-stack references. Every stack goes through NewBase, the one place
// that sets backends, providers, provider version ranges and default tags.
package stacks

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	awsprovider "github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"github.com/mpc-mesh/infra/config"
	"github.com/mpc-mesh/infra/internal/jsiivalue"
)

// Version ranges written into every stack's required_providers. The bindings
// pin exact versions (aws 5.84.0, kubernetes 2.37.1, helm 2.17.0); a range
// admitting every later release of the same major lets `terraform init` use
// whatever a provider mirror or the registry offers (the local mirror here
// holds aws 5.100.0 only).
const (
	AWSProviderRange        = ">= 5.84.0, < 6.0.0"
	KubernetesProviderRange = ">= 2.37.1, < 3.0.0"
	HelmProviderRange       = ">= 2.17.0, < 3.0.0"
	// TerraformVersionRange: 1.10 brought the S3 backend's native lock file.
	TerraformVersionRange = ">= 1.10.0"
)

// StateDir is the folder, relative to the project root, holding local state
// files. Stacks run in cdktf.out/stacks/<name>, three levels below the root.
const StateDir = "terraform-state"

// Options are run-wide settings that do not come from an environment file.
type Options struct {
	// Emulator, when set, points every AWS provider at an AWS API emulator.
	Emulator *Emulator
	// Unprotect names the parties whose deletion protection (NLB, RDS) is
	// synthesized off whatever their configuration says, so that applying
	// their stacks lifts it before a destroy; "*" names every party.
	Unprotect []string
}

// UnprotectEnv names the environment variable read at synthesis time into
// Options.Unprotect: party names separated by commas, or "*". `make
// unprotect` sets it for one synthesis and apply; it is never kept.
const UnprotectEnv = "MPC_UNPROTECT"

// UnprotectFromEnv returns the parties named by MPC_UNPROTECT.
func UnprotectFromEnv() []string {
	var res []string
	for _, p := range strings.Split(os.Getenv(UnprotectEnv), ",") {
		if p = strings.TrimSpace(p); p != "" {
			res = append(res, p)
		}
	}
	return res
}

// protected is whether a resource of party p whose configuration asks for
// deletion protection keeps it in this synthesis.
func (o Options) protected(p *config.Party, configured bool) bool {
	if !configured {
		return false
	}
	return !slices.Contains(o.Unprotect, p.Name) && !slices.Contains(o.Unprotect, "*")
}

// Base is a stack of one layer of one party, with its backend and providers set.
type Base struct {
	// Stack is the cdktf stack; constructs of this layer go in it.
	Stack cdktf.TerraformStack
	Env   *config.Environment
	Party *config.Party
	Layer config.Layer
	// Name is the stack name, <env>-<party>-<layer>.
	Name string
	// Opts are the run-wide options the stack was built with.
	Opts Options

	// Replica is the AWS provider of the party's backup replica region
	// (alias "replica"): set on the party layer of a party with a backup,
	// nil otherwise.
	Replica awsprovider.AwsProvider

	cluster *clusterLookup
	subnet  map[bool]*[]*string
}

// ReplicaProviderAlias is the alias of the backup replica region's AWS provider.
const ReplicaProviderAlias = "replica"

// NewBase creates a stack with an explicit backend, required_version, and the
// providers its layer needs: AWS for provider/consumer/party (plus an AWS
// provider aliased "replica" in the backup's replica region for the party
// layer of a party with a backup), Kubernetes and Helm for cluster (whose
// connection is set by the caller through k8s).
func NewBase(scope constructs.Construct, env *config.Environment, party *config.Party, layer config.Layer, opts Options) *Base {
	name := env.StackName(party, layer)
	stack := cdktf.NewTerraformStack(scope, jsii.String(name))
	b := &Base{Stack: stack, Env: env, Party: party, Layer: layer, Name: name, Opts: opts}
	b.setBackend(opts)
	stack.AddOverride(jsii.String("terraform.required_version"), jsii.String(TerraformVersionRange))
	if layer != config.LayerCluster {
		b.addAWSProvider(opts, party.Region, "")
	}
	if layer == config.LayerParty && party.Managed.Backup.On() {
		b.Replica = b.addAWSProvider(opts, party.Managed.Backup.ReplicaRegion, ReplicaProviderAlias)
	}
	return b
}

// StateKey is the backend key of a stack: <env>/<party>/<layer>.tfstate.
func StateKey(env *config.Environment, party *config.Party, layer config.Layer) string {
	return path.Join(env.Name, party.Name, string(layer)+".tfstate")
}

func (b *Base) setBackend(opts Options) {
	key := StateKey(b.Env, b.Party, b.Layer)
	s3 := b.Env.Backend.S3
	if s3 == nil {
		cdktf.NewLocalBackend(b.Stack, &cdktf.LocalBackendConfig{
			Path: jsii.String(path.Join("..", "..", "..", StateDir, key)),
		})
		return
	}
	cfg := &cdktf.S3BackendConfig{
		Bucket:  jsii.String(s3.Bucket),
		Key:     jsii.String(path.Join(s3.KeyPrefix, key)),
		Region:  jsii.String(s3.Region),
		Encrypt: jsii.Bool(true),
	}
	if s3.Profile != "" {
		cfg.Profile = jsii.String(s3.Profile)
	}
	if s3.Locking == "dynamodb" {
		cfg.DynamodbTable = jsii.String(s3.DynamoDBTable)
	}
	// The backend's settings are also what cdktf copies into the
	// terraform_remote_state data sources of the stacks that read this one,
	// so the emulator switch reaches both.
	if opts.Emulator != nil {
		opts.Emulator.configureBackend(cfg)
	}
	cdktf.NewS3Backend(b.Stack, cfg)
	if s3.Locking == "lockfile" {
		// cdktf 0.20.11's S3BackendConfig predates Terraform 1.10's native
		// S3 lock file, so the setting is added as an override.
		b.Stack.AddOverride(jsii.String("terraform.backend.s3.use_lockfile"), jsii.Bool(true))
	}
}

// DefaultTags are the tags every AWS resource of a stack carries: the
// environment's tags plus the keys that say where a resource comes from.
// The mpc: keys win over user tags of the same name.
func DefaultTags(env *config.Environment, party *config.Party, layer config.Layer) map[string]string {
	tags := map[string]string{}
	for k, v := range env.Tags {
		tags[k] = v
	}
	tags["mpc:environment"] = env.Name
	tags["mpc:party"] = party.Name
	tags["mpc:party-id"] = fmt.Sprint(party.ID)
	tags["mpc:layer"] = string(layer)
	tags["mpc:managed-by"] = "cdktf"
	return tags
}

// addAWSProvider adds an AWS provider for the party's account in a region;
// alias "" is the stack's default provider.
func (b *Base) addAWSProvider(opts Options, region, alias string) awsprovider.AwsProvider {
	m := b.Party.Managed
	tags := DefaultTags(b.Env, b.Party, b.Layer)
	cfg := &awsprovider.AwsProviderConfig{
		Region: jsii.String(region),
		DefaultTags: &[]*awsprovider.AwsProviderDefaultTags{{
			Tags: jsiivalue.StringMap(tags),
		}},
	}
	// Refuse to touch any account but the party's own (against the
	// emulator too, where it proves the role assumed is the party's).
	cfg.AllowedAccountIds = jsii.Strings(b.Party.AccountID)
	if opts.Emulator != nil {
		opts.Emulator.configure(cfg, b.Party.AccountID, region)
	} else if m.AWSProfile != "" {
		cfg.Profile = jsii.String(m.AWSProfile)
	}
	id := "aws"
	if alias != "" {
		cfg.Alias = jsii.String(alias)
		id = "aws-" + alias
	}
	p := awsprovider.NewAwsProvider(b.Stack, jsii.String(id), cfg)
	b.Stack.AddOverride(jsii.String("terraform.required_providers.aws.version"), jsii.String(AWSProviderRange))
	return p
}

// KubernetesConnection is how the cluster stack reaches the party's EKS API:
// endpoint and CA come from the party stack; the token from `aws eks get-token`.
type KubernetesConnection struct {
	// Endpoint is the cluster API URL (a cross-stack token).
	Endpoint *string
	// CACertificate is the base64 cluster CA (a cross-stack token).
	CACertificate *string
}

// AddKubernetesProviders configures the Kubernetes and Helm providers of a
// cluster stack to authenticate with `aws eks get-token` under the party's profile.
func (b *Base) AddKubernetesProviders(conn KubernetesConnection) {
	args := []string{"eks", "get-token", "--cluster-name", b.Party.Managed.ClusterName, "--region", b.Party.Region, "--output", "json"}
	if p := b.Party.Managed.AWSProfile; p != "" {
		args = append(args, "--profile", p)
	}
	ca := cdktf.Fn_Base64decode(conn.CACertificate)
	k8sprovider.NewKubernetesProvider(b.Stack, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{
		Host:                 conn.Endpoint,
		ClusterCaCertificate: ca,
		Exec: &[]*k8sprovider.KubernetesProviderExec{{
			ApiVersion: jsii.String("client.authentication.k8s.io/v1beta1"),
			Command:    jsii.String("aws"),
			Args:       jsii.Strings(args...),
		}},
	})
	helmprovider.NewHelmProvider(b.Stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{
		Kubernetes: &helmprovider.HelmProviderKubernetes{
			Host:                 conn.Endpoint,
			ClusterCaCertificate: ca,
			Exec: &helmprovider.HelmProviderKubernetesExec{
				ApiVersion: jsii.String("client.authentication.k8s.io/v1beta1"),
				Command:    jsii.String("aws"),
				Args:       jsii.Strings(args...),
			},
		},
	})
	b.Stack.AddOverride(jsii.String("terraform.required_providers.kubernetes.version"), jsii.String(KubernetesProviderRange))
	b.Stack.AddOverride(jsii.String("terraform.required_providers.helm.version"), jsii.String(HelmProviderRange))
}
