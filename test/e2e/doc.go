// Package e2e deploys whole example environments against an AWS API
// emulator and checks the mesh they build.
//
// local (PrivateLink, state in S3) goes through the operator verbs as the
// README's walkthrough runs them (verbs_test.go): make emulator, then with
// the endpoint it prints make apply, the mesh checks, a proof that the S3
// state lock refuses a second plan, make plan (its saved plans may change
// nothing but the emulator gaps of gaps_test.go), make output, make destroy,
// the leftover check and make emulator-stop.
//
// kubeip-demo (KubeIP, local state) is driven with Terraform directly:
//
//  1. starts moto_server on 127.0.0.1 on a free port (package
//     internal/emulator, shared with make emulator),
//  2. synthesizes the environment with the real program, its AWS providers
//     pointed at the emulator through MPC_AWS_ENDPOINT (stacks/emulator.go),
//  3. creates the fixture the stacks expect to exist already: per party a
//     VPC with private and public subnets, the EKS cluster and its IAM OIDC
//     provider (internal/emulator, through its awsapi.py),
//  4. applies every AWS stack (provider, consumer, party layers) in
//     dependency order with the local provider mirror, so cross-stack
//     references resolve through real local remote state (terraform_test.go),
//  5. checks through the emulator's API that the mesh exists (checks_test.go),
//  6. plans again and requires no change but the emulator gaps listed in
//     gaps_test.go,
//  7. destroys in reverse order and checks that nothing the stacks created is
//     left.
//
// The cluster layer needs a real Kubernetes API and is covered by the golden
// snapshots and structural tests of package test.
//
// Requirements: moto_server (pip install 'moto[server]'), python3 with boto3
// (installed with moto), terraform >= 1.10 and a filesystem mirror holding
// hashicorp/aws 5.x (TF_PLUGIN_MIRROR, the filesystem_mirror of the CLI
// configuration named by TF_CLI_CONFIG_FILE, as make test writes it, or one
// of the places internal/tfcli looks in). When
// one is missing the test is skipped with one line saying what is missing,
// unless MPC_E2E_REQUIRED=1 (set by .ci/run), which makes it fail instead.
// `go test -short` skips it too, and so does a plain `go test` whose default
// 10-minute timeout would cut the run short: make test and make e2e pass
// -timeout 60m. On the 2-CPU reference machine one run takes about 9 minutes,
// most of it Terraform and AWS provider CPU time (README: Performance).
package e2e
