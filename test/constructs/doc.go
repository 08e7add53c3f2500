// Package constructs holds the unit tests of every construct under
// constructs/, one file per construct named <construct>_test.go (kubeip has
// a second one, kubeip_role_test.go, for its IAM role). They are gathered in
// one package so the jsii runtime (a Node process and the provider
// assemblies) starts once for all of them, in main_test.go, instead of once
// per construct package.
//
// Names carry the construct so the files can share the package: helpers,
// constants and variables start with the construct's package name in
// lowerCamelCase (vaultSynth, attestedkeyProps, kubeipRoleARN), and every
// Test function starts with Test followed by the construct name
// (TestVault..., TestKubeIP..., TestKubeIPRole..., TestVPCEndpointConsumer...),
// so that
//
//	go test -run '^TestVault' ./test/constructs/
//
// runs the tests of one construct.
//
// The examples stay next to each construct in its example_test.go: they
// document it (cmd/mpc-docs renders them into the construct's README) and
// are compile-only (no Output comment), so they start no Node process. The
// few that do run (iampolicy, jsiivalue, mesh) are plain Go and start none
// either.
package constructs
