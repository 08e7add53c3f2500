package constructs_test

import (
	"os"
	"testing"

	"github.com/mpc-mesh/infra/test/synthtest"
)

// TestMain runs every construct test against one jsii runtime and closes it
// at the end.
func TestMain(m *testing.M) { os.Exit(synthtest.Main(m)) }
