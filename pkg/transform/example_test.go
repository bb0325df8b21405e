package transform_test

import (
	"errors"
	"fmt"

	"github.com/sessionctl/sessionctl/pkg/transform"
)

func ExampleMAC() {
	m, err := transform.NewMAC([]transform.Key{{ID: "2024", Bytes: []byte("new secret")}, {ID: "2023", Bytes: []byte("old secret")}}, "HmacSHA256", transform.Profile3)
	if err != nil {
		panic(err)
	}
	old, _ := transform.NewMAC([]transform.Key{{ID: "2023", Bytes: []byte("old secret")}}, "HmacSHA256", transform.Profile3)
	v, _ := old.Write("id=%23s42")
	fmt.Println(v)

	payload, info, err := m.Read(v)
	fmt.Println(payload, info.KeyID, err)

	_, _, err = m.Read("id=%23s43" + v[len("id=%23s42"):])
	fmt.Println(errors.Is(err, transform.ErrSignature))
	// Output:
	// id=%23s42/2a0a921094da07951bd3417c1659e017dd4666f10d76ba7e38f6a30a1c371183
	// id=%23s42 2023 <nil>
	// true
}

func ExampleDetect() {
	for _, c := range transform.Detect("hello/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")[:2] {
		fmt.Println(c.Chain, c.Confidence)
	}
	// Output:
	// mac(HmacSHA256) high
	// digest(SHA-256) medium
}
