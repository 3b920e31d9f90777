package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
	"github.com/soracom-exporter/soracom_exporter/internal/webhook"
)

// eventHandlerFlags make the fake API play SORACOM's Event Handler: on each
// session Created or Deleted, it POSTs the README's template to a webhook.
type eventHandlerFlags struct {
	url          *string
	secretFile   *string
	secretHeader *string
}

func addEventHandlerFlags(a *kingpin.Application) *eventHandlerFlags {
	return &eventHandlerFlags{
		url: a.Flag("event-handler.url", "Webhook to call on every session Created and Deleted, as an Event Handler with "+
			"SubscriberSessionStatusRule and ExecuteWebRequestAction would (for example http://127.0.0.1:9881/webhook/session).").String(),
		secretFile:   a.Flag("event-handler.secret-file", "File holding the shared secret to send.").String(),
		secretHeader: a.Flag("event-handler.secret-header", "Header carrying the shared secret.").Default(webhook.DefaultSecretHeader).String(),
	}
}

// start runs the Event Handler simulator until ctx ends, when a URL is set.
func (e *eventHandlerFlags) start(ctx context.Context, fake *soracomfake.Fake) error {
	if *e.url == "" {
		return nil
	}
	headers := map[string]string{}
	if *e.secretFile != "" {
		b, err := os.ReadFile(*e.secretFile)
		if err != nil {
			return fmt.Errorf("--event-handler.secret-file: %w", err)
		}
		headers[*e.secretHeader] = strings.TrimSpace(string(b))
	}
	var rules []soracomfake.EventHandlerRule
	for _, status := range []string{"Created", "Deleted"} {
		rules = append(rules, soracomfake.EventHandlerRule{SessionStatus: status, URL: *e.url, ContentType: "application/json",
			Headers: headers, Body: webhook.BodyTemplate(status)})
	}
	go fake.NewEventHandler(nil, rules...).Run(ctx, time.Second)
	return nil
}
