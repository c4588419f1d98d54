package producer

// WithObserver installs an observer of connections, requests and batches
// written, for tests, until a public hooks option exists.
var WithObserver = withObserver
