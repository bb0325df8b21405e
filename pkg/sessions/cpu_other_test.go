//go:build !unix

package sessions_test

func processCPU() int64 { return -1 }
