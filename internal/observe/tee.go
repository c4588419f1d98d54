package observe

// Tee returns an Observer that passes every event to each of obs in order,
// skipping nil ones: statistics, logs and the application's hooks can
// listen together. It returns nil when none is left, so that the call
// sites' nil check still costs nothing, and the Observer itself when one
// is.
func Tee(obs ...Observer) Observer {
	var live []Observer
	for _, o := range obs {
		if o != nil {
			live = append(live, o)
		}
	}
	switch len(live) {
	case 0:
		return nil
	case 1:
		return live[0]
	}
	return tee(live)
}

type tee []Observer

func (t tee) OnConnect(e Connect) {
	for _, o := range t {
		o.OnConnect(e)
	}
}

func (t tee) OnDisconnect(e Disconnect) {
	for _, o := range t {
		o.OnDisconnect(e)
	}
}

func (t tee) OnRequestWritten(e RequestWritten) {
	for _, o := range t {
		o.OnRequestWritten(e)
	}
}

func (t tee) OnResponseRead(e ResponseRead) {
	for _, o := range t {
		o.OnResponseRead(e)
	}
}

func (t tee) OnThrottle(e Throttle) {
	for _, o := range t {
		o.OnThrottle(e)
	}
}

func (t tee) OnBatchWritten(e BatchWritten) {
	for _, o := range t {
		o.OnBatchWritten(e)
	}
}
