package soracom

import (
	"context"
	"errors"
)

// ListSims yields every SIM of the operator on this coverage
// (GET /v1/sims, operationId listSims). The *Sim is valid only during
// yield: each page is decoded into the same memory.
func (c *Client) ListSims(ctx context.Context, yield func(*Sim) error) error {
	return stopOK(list(ctx, c, "/sims", "/sims", nil, yield))
}

// ListSimSummaries is ListSims for a fleet-level view: each SIM is read
// into a SimSummary, without the Sim's maps (see SimSummary). The
// *SimSummary is valid only during yield.
func (c *Client) ListSimSummaries(ctx context.Context, yield func(*SimSummary) error) error {
	return stopOK(list(ctx, c, "/sims", "/sims", nil, yield))
}

// GetSim returns one SIM (GET /v1/sims/{sim_id}, operationId getSim).
func (c *Client) GetSim(ctx context.Context, simID string) (*Sim, error) {
	var s Sim
	if err := c.getJSON(ctx, "/sims/{sim_id}", "/sims/"+pathEscape(simID), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// GetSubscriber returns one subscriber (GET /v1/subscribers/{imsi},
// operationId getSubscriber), with its locationRegistrationStatus, which
// the SIM listing does not carry.
func (c *Client) GetSubscriber(ctx context.Context, imsi string) (*Subscriber, error) {
	var s Subscriber
	if err := c.getJSON(ctx, "/subscribers/{imsi}", "/subscribers/"+pathEscape(imsi), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ListGroups yields every SIM group (GET /v1/groups, operationId
// listGroups); as with ListSims, the *Group is valid only during yield.
func (c *Client) ListGroups(ctx context.Context, yield func(*Group) error) error {
	return stopOK(list(ctx, c, "/groups", "/groups", nil, yield))
}

func stopOK(err error) error {
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}
