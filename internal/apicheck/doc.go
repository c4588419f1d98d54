// Package apicheck holds no code, only a test that keeps kprod's public
// packages from exposing an internal one: no exported declaration of
// accumulator, compress, partitioner or producer (or any other public
// package added later) may name a type or identifier from a package under
// internal/, which a user could not import.
package apicheck
