package apispec

import "github.com/getkin/kin-openapi/openapi3"

// forbidUndeclaredProperties makes every object schema reachable from the
// definition's operations reject properties it does not declare.
//
// The definition almost never says additionalProperties: false, and JSON
// Schema then accepts any extra key, so a misspelled field ("simID") in a
// fake response or client request would pass unnoticed. Left as they are:
//   - schemas that state additionalProperties themselves (TagSet, maps of
//     profiles): they describe open maps on purpose;
//   - objects with no declared properties (a session's free-form location);
//   - members of an allOf with several members: each member sees the whole
//     object, so forbidding the other members' properties would reject every
//     value. (The definition currently uses allOf only to wrap one $ref.)
func forbidUndeclaredProperties(doc *openapi3.T) {
	reachable := reachableSchemas(doc)
	combined := map[*openapi3.Schema]bool{}
	for _, s := range reachable {
		if len(s.AllOf) > 1 {
			for _, member := range s.AllOf {
				if member.Value != nil {
					combined[member.Value] = true
				}
			}
		}
	}
	for _, s := range reachable {
		declaresAdditional := s.AdditionalProperties.Has != nil || s.AdditionalProperties.Schema != nil
		if len(s.Properties) > 0 && !declaresAdditional && !combined[s] {
			forbid := false
			s.AdditionalProperties.Has = &forbid
		}
	}
}

// reachableSchemas lists, once each, every schema that a parameter, request
// body, response body or response header of an operation can reach.
func reachableSchemas(doc *openapi3.T) []*openapi3.Schema {
	c := schemaCollector{seen: map[*openapi3.Schema]bool{}}
	for _, item := range doc.Paths.Map() {
		c.parameters(item.Parameters)
		for _, op := range item.Operations() {
			c.parameters(op.Parameters)
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				c.content(op.RequestBody.Value.Content)
			}
			if op.Responses == nil {
				continue
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				c.content(resp.Value.Content)
				for _, h := range resp.Value.Headers {
					if h.Value != nil {
						c.schema(h.Value.Schema)
					}
				}
			}
		}
	}
	return c.order
}

// schemaCollector remembers the schemas it has seen: the definition's
// schemas refer to each other, some recursively.
type schemaCollector struct {
	seen  map[*openapi3.Schema]bool
	order []*openapi3.Schema
}

func (c *schemaCollector) parameters(params openapi3.Parameters) {
	for _, p := range params {
		if p.Value != nil {
			c.schema(p.Value.Schema)
			c.content(p.Value.Content)
		}
	}
}

func (c *schemaCollector) content(content openapi3.Content) {
	for _, mt := range content {
		if mt != nil {
			c.schema(mt.Schema)
		}
	}
}

func (c *schemaCollector) schema(ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil || c.seen[ref.Value] {
		return
	}
	s := ref.Value
	c.seen[s] = true
	c.order = append(c.order, s)

	for _, p := range s.Properties {
		c.schema(p)
	}
	c.schema(s.AdditionalProperties.Schema)
	c.schema(s.Items)
	c.schema(s.Not)
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			c.schema(sub)
		}
	}
}
