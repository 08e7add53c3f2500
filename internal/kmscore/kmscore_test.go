package kmscore_test

import (
	"strings"
	"testing"

	"github.com/mpc-mesh/infra/internal/kmscore"
)

const rendered = `---
# Source: kms-core/templates/kms-core-service.yaml
apiVersion: v1
kind: Service
metadata:
  name: r-core
spec:
  ports:
    - name: peer
      port: 50001
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: r-core
spec:
  template:
    spec:
      containers:
        - name: kms-core-enclave
          ports:
            - containerPort: 50100
              protocol: TCP
            - containerPort: 50001
              protocol: TCP
            - containerPort: 9646
              protocol: TCP
        - name: sidecar
          ports:
            - containerPort: 50001
`

func TestBindHostPortsBindsOnlyTheGivenPortsOfTheEnclaveContainer(t *testing.T) {
	out, err := kmscore.BindHostPorts([]byte(rendered), "r", []int{50001, 9646})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if got := strings.Count(s, "hostPort:"); got != 2 {
		t.Errorf("%d host ports bound, want 2:\n%s", got, s)
	}
	for _, want := range []string{"- containerPort: 50001\n              protocol: TCP\n              hostPort: 50001", "- containerPort: 9646\n              protocol: TCP\n              hostPort: 9646", "kind: Service"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestBindHostPortsRefusesWhatItCannotBind(t *testing.T) {
	for _, c := range []struct {
		release string
		ports   []int
		want    string
	}{
		{"other", []int{50001}, "no StatefulSet other-core"},
		{"r", []int{50002}, "has no port 50002 to bind"},
	} {
		_, err := kmscore.BindHostPorts([]byte(rendered), c.release, c.ports)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want %q", c.release, c.ports, err, c.want)
		}
	}
}
