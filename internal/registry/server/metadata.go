package server

import (
	"net/http"
	"runtime/debug"

	"github.com/evctl/evctl/internal/version"
)

// ClusterID is the schema-registry-cluster of GET /v1/metadata/id: every
// evctl registry (replicas of one store included) is one cluster, and there
// is no Kafka cluster behind it.
const ClusterID = "evctl"

// handleMetadataID is GET /v1/metadata/id, Confluent's ServerClusterId.
func (s *server) handleMetadataID(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "",
		"scope": map[string]any{
			"path":     []string{},
			"clusters": map[string]any{"kafka-cluster": nil, "schema-registry-cluster": ClusterID},
		},
	})
	return nil
}

// handleMetadataVersion is GET /v1/metadata/version: evctl's version and
// the commit it was built from (empty when the build does not say).
func (s *server) handleMetadataVersion(w http.ResponseWriter, r *http.Request) error {
	commit := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, st := range bi.Settings {
			if st.Key == "vcs.revision" {
				commit = st.Value
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"version": version.String(), "commitId": commit})
	return nil
}

// handleMetadataDeployment is GET /v1/metadata/deployment: no deployment
// attributes are configured.
func (s *server) handleMetadataDeployment(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string][]string{"attributes": {}})
	return nil
}
