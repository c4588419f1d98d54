package producer

import "github.com/kprod-go/kprod/internal/observe"

// withObserver installs an observer of connections, requests and batches
// written. It is internal until a public hooks option (WithHooks) is built
// on it; tests reach it through export_test.go.
func withObserver(obs observe.Observer) Option {
	return func(o *options) error {
		o.observer = obs
		return nil
	}
}
