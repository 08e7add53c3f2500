package jsiivalue_test

import (
	"fmt"

	"github.com/mpc-mesh/infra/internal/jsiivalue"
)

func Example() {
	labels := jsiivalue.StringMap(map[string]string{"app": "kms-core"})
	fmt.Println(*(*labels)["app"], jsiivalue.OptionalStringMap(nil) == nil)
	// Output: kms-core true
}
