package main

import (
	"errors"

	"github.com/alecthomas/kingpin/v2"
)

// errHelpShown reports that --help or --version was answered: the command
// is done, successfully.
var errHelpShown = errors.New("help shown")

type kingpinExit struct{}

// parseArgs parses args without letting kingpin end the process (run must
// return to its caller, which may be a test). --help and --version end with
// errHelpShown.
func parseArgs(a *kingpin.Application, args []string) (err error) {
	a.Terminate(func(int) { panic(kingpinExit{}) })
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(kingpinExit); !ok {
				panic(r)
			}
			err = errHelpShown
		}
	}()
	_, err = a.Parse(args)
	return err
}
