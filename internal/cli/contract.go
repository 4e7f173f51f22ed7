package cli

import (
	"path/filepath"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/contract"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

// defaultContractsDir is the contracts directory when evctl.yaml names none.
const defaultContractsDir = "contracts"

// contractsDir is the contracts directory of the config, and whether it was
// configured (then it must exist).
func contractsDir(cfg *config.Config) (string, bool) {
	dir, set := cfg.Contracts, cfg.Contracts != ""
	if !set {
		dir = defaultContractsDir
	}
	if cfg.Path != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(cfg.Dir, dir)
	}
	return filepath.ToSlash(dir), set
}

// loadContracts reads the contracts directory of the config.
func loadContracts(cfg *config.Config) (*contract.Set, error) {
	dir, set := contractsDir(cfg)
	s, err := contract.LoadDir(dir, !set)
	if err != nil {
		return nil, inputError(err)
	}
	return s, nil
}

// contractDiagnostics checks the consumer contracts against cur (and base,
// the baseline, when not nil): the hook of lint and check. When the catalog
// was narrowed to explicit paths, only the contracts of its events are
// checked. bad reports contracts that could not be used (exit status 3).
func contractDiagnostics(cfg *config.Config, explicitPaths bool, cur, base *schema.Catalog) (ds []diag.Diagnostic, bad bool, err error) {
	set, err := loadContracts(cfg)
	if err != nil {
		return nil, false, err
	}
	if explicitPaths {
		kept := set.Contracts[:0:0]
		for _, c := range set.Contracts {
			if cur.ByKey(c.Event) != nil || (base != nil && base.ByKey(c.Event) != nil) {
				kept = append(kept, c)
			}
		}
		set = &contract.Set{Contracts: kept, Errors: set.Errors}
	}
	fs, errs := contract.Check(set, cur, base)
	errs = append(set.Errors, errs...)
	return contract.Diagnostics(cfg, fs, errs), len(errs) > 0, nil
}
