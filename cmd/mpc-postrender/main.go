// Command mpc-postrender is the Helm post-renderer of a KubeIP party's MPC
// services release: it reads the rendered manifests on standard input and
// writes them back with the kms-core container's MPC ports bound on the
// node (hostPort), which the kms-core chart has no setting for. Peers reach
// a KubeIP party at its node's Elastic IP, so the ports must answer there.
//
//	mpc-postrender --release kms-threshold-1 --ports 50001,50100,9646 < rendered.yaml
//
// The cluster stack's helm_release runs it (postrender.binary_path); `make
// deps` builds it into bin/.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mpc-mesh/infra/internal/kmscore"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mpc-postrender:", err)
		os.Exit(1)
	}
}

func run(args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("mpc-postrender", flag.ContinueOnError)
	release := fs.String("release", "", "Helm release name (the StatefulSet is <release>-core)")
	portList := fs.String("ports", "", "comma-separated ports to bind on the node")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *release == "" || *portList == "" {
		return fmt.Errorf("--release and --ports are required")
	}
	var ports []int
	for _, p := range strings.Split(*portList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("--ports: %q is not a TCP port", p)
		}
		ports = append(ports, n)
	}
	manifests, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	res, err := kmscore.BindHostPorts(manifests, *release, ports)
	if err != nil {
		return err
	}
	_, err = out.Write(res)
	return err
}
