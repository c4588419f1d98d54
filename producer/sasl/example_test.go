package sasl_test

import (
	"context"
	"fmt"

	"github.com/kprod-go/kprod/producer/sasl"
)

// A mechanism starts each exchange with Authenticate, then gives every
// broker answer to the session until it is done.
func ExampleOAuthBearer() {
	token := func(context.Context) (sasl.Token, error) {
		return sasl.Token{Value: "eyJhbGciOiJub25lIn0.e30.", Extensions: map[string]string{"traceId": "42"}}, nil
	}
	m := sasl.OAuthBearer(token)
	sess, first, err := m.Authenticate(context.Background(), "broker1.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s sends %q\n", m.Name(), first)

	// The broker accepts the token with an empty answer.
	done, resp, err := sess.Challenge(nil)
	fmt.Println(done, len(resp), err)
	// Output:
	// OAUTHBEARER sends "n,,\x01auth=Bearer eyJhbGciOiJub25lIn0.e30.\x01traceId=42\x01\x01"
	// true 0 <nil>
}

// Credentials print without their password.
func ExampleCredentials() {
	fmt.Println(sasl.Credentials{Username: "alice", Password: "s3cret"})
	// Output: {alice [password redacted]}
}
