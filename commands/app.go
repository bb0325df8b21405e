// Package commands is the sessionctl command line: flag parsing, configuration and rendering over
// pkg/transform and pkg/sessions.
package commands

import "io"

// Run runs the sessionctl command line and returns the process exit status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return 0
}
