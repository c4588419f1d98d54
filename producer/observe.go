package producer

import "github.com/kprod-go/kprod/internal/observe"

// withObserver installs an internal observer of connections, requests and
// batches written, next to the application's hooks (WithHooks, which are
// adapted to the same seam); tests reach it through export_test.go.
func withObserver(obs observe.Observer) Option {
	return func(o *options) error {
		o.observer = obs
		return nil
	}
}
