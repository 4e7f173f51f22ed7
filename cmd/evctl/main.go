// Command evctl is the contract gate for event schemas.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/evctl/evctl/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.SystemIO())
	stop()
	os.Exit(code)
}
