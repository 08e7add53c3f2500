package mesh_test

import (
	"fmt"

	"github.com/mpc-mesh/infra/internal/mesh"
)

// Example shows the names a peer gets: its construct id fragment and its
// in-cluster service name.
func Example() {
	peer := mesh.Peer{ID: 3, Name: "carol"}
	fmt.Println(peer.Key(), mesh.ServiceName(peer.ID))
	for _, p := range mesh.DefaultPorts {
		fmt.Println(p.Name, p.Number)
	}
	// Output:
	// party-3 mpc-node-3
	// grpc 50100
	// peer 50001
	// metrics 9646
}
