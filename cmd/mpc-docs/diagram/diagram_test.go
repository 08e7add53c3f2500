package diagram_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/mpc-mesh/infra/cmd/mpc-docs/diagram"
	"github.com/mpc-mesh/infra/config"
)

// The tests of the committed diagrams, which need every stack of an
// environment, live in package test beside its synthesis of the examples.
// This one reads the golden snapshots, which hold every stack of zws-dev.
var (
	root        = filepath.Join("..", "..", "..")
	configDir   = filepath.Join(root, config.DefaultDir)
	snapshotDir = filepath.Join(root, "test", "snapshots")
)

// TestExternalPrivateLinkPeer: in zws-dev the external party 4 reaches the
// managed party 2 through party 2's endpoint service, which admits party
// 4's account, and party 2 reaches party 4 through an interface endpoint to
// the configured service name (cross-region, eu-west-3).
func TestExternalPrivateLinkPeer(t *testing.T) {
	diagrams, err := diagram.Load(configDir, snapshotDir, []string{"zws-dev"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range diagrams[0].Connections {
		got[fmt.Sprintf("%d->%d", c.From, c.To)] = c.Mechanism + " | " + diagram.PortsText(c.Ports)
	}
	want := map[string]string{
		"2->4": "interface endpoint (cross-region, eu-west-3) + ExternalName mpc-node-4 | peer 50001, metrics 9646",
		"4->2": "kms-threshold-4's own interface endpoint to the zws-threshold-2 endpoint service, which admits account 444455556666 | peer 50001, metrics 9646",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("connections = %v, want %v", got, want)
	}
}
