package soracom

import (
	"context"
	"errors"
	"net/url"
)

// ListSims yields every SIM of the operator on this coverage
// (GET /v1/sims, operationId listSims).
func (c *Client) ListSims(ctx context.Context, yield func(*Sim) error) error {
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

// ListSubscribers yields every subscriber (IMSI) of the operator
// (GET /v1/subscribers, operationId listSubscribers). filter may hold the
// call's query parameters (status_filter, speed_class_filter, tag_name, ...).
func (c *Client) ListSubscribers(ctx context.Context, filter url.Values, yield func(*Subscriber) error) error {
	return stopOK(list(ctx, c, "/subscribers", "/subscribers", filter, yield))
}

// GetSubscriber returns one subscriber (GET /v1/subscribers/{imsi},
// operationId getSubscriber).
func (c *Client) GetSubscriber(ctx context.Context, imsi string) (*Subscriber, error) {
	var s Subscriber
	if err := c.getJSON(ctx, "/subscribers/{imsi}", "/subscribers/"+pathEscape(imsi), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ListGroups yields every SIM group (GET /v1/groups, operationId listGroups).
func (c *Client) ListGroups(ctx context.Context, yield func(*Group) error) error {
	return stopOK(list(ctx, c, "/groups", "/groups", nil, yield))
}

// SearchSimsQuery holds the filters of GET /v1/query/sims. Multi-valued
// fields are sent as repeated parameters.
type SearchSimsQuery struct {
	Name, Group, GroupID, SimID, IMSI, Tag, Status []string
	// SessionStatus is "NA" (any), "ONLINE" or "OFFLINE".
	SessionStatus string
	// SearchType is "and" (default) or "or".
	SearchType string
}

func (q SearchSimsQuery) values() url.Values {
	v := url.Values{}
	add := func(k string, vals []string) {
		for _, s := range vals {
			v.Add(k, s)
		}
	}
	add("name", q.Name)
	add("group", q.Group)
	add("group_id", q.GroupID)
	add("sim_id", q.SimID)
	add("imsi", q.IMSI)
	add("tag", q.Tag)
	add("status", q.Status)
	if q.SessionStatus != "" {
		v.Set("session_status", q.SessionStatus)
	}
	if q.SearchType != "" {
		v.Set("search_type", q.SearchType)
	}
	return v
}

// SearchSims yields the SIMs matching q (GET /v1/query/sims, operationId
// searchSims).
func (c *Client) SearchSims(ctx context.Context, q SearchSimsQuery, yield func(*Sim) error) error {
	return stopOK(list(ctx, c, "/query/sims", "/query/sims", q.values(), yield))
}

func stopOK(err error) error {
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}
