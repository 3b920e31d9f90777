package soracomfake

// groupJSON is the Group schema (listGroups).
type groupJSON struct {
	Configuration    map[string]map[string]any `json:"configuration"`
	CreatedTime      int64                     `json:"createdTime"`
	GroupID          string                    `json:"groupId"`
	LastModifiedTime int64                     `json:"lastModifiedTime"`
	OperatorID       string                    `json:"operatorId"`
	Tags             tagSet                    `json:"tags"`
}

func (g *group) view(operatorID string) groupJSON {
	return groupJSON{
		Configuration: g.config, CreatedTime: g.created, GroupID: g.id,
		LastModifiedTime: g.modified, OperatorID: operatorID, Tags: g.tags,
	}
}
