package client

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/evctl/evctl/internal/config"
)

// Environment variables read by ResolveOptions.
const (
	EnvURL      = "EVCTL_REGISTRY_URL"
	EnvUser     = "EVCTL_REGISTRY_USER"
	EnvPassword = "EVCTL_REGISTRY_PASSWORD"
	EnvToken    = "EVCTL_REGISTRY_TOKEN"
)

// ResolveOptions merges the registry settings: flags (the non-zero fields
// of flags) win over the environment, which wins over the config file.
// Secrets come from the environment only: EVCTL_REGISTRY_PASSWORD and
// EVCTL_REGISTRY_TOKEN, or the variables the config names in password_env
// and token_env. Relative TLS paths in the config are relative to the
// config's directory.
func ResolveOptions(flags ClientOptions, getenv func(string) string, cfg config.Registry, cfgDir string) (ClientOptions, error) {
	o := flags
	pick := func(dst *string, env string, conf string) {
		if *dst != "" {
			return
		}
		if env != "" {
			if v := getenv(env); v != "" {
				*dst = v
				return
			}
		}
		*dst = conf
	}
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) || cfgDir == "" {
			return p
		}
		return filepath.Join(cfgDir, p)
	}
	pick(&o.URL, EnvURL, cfg.URL)
	pick(&o.User, EnvUser, cfg.User)
	pick(&o.CAFile, "", rel(cfg.CAFile))
	pick(&o.CertFile, "", rel(cfg.CertFile))
	pick(&o.KeyFile, "", rel(cfg.KeyFile))
	secret := func(dst *string, env, confEnv string) {
		if *dst == "" {
			*dst = getenv(env)
		}
		if *dst == "" && confEnv != "" {
			*dst = getenv(confEnv)
		}
	}
	secret(&o.Password, EnvPassword, cfg.PasswordEnv)
	secret(&o.Token, EnvToken, cfg.TokenEnv)
	if o.Timeout == 0 && cfg.Timeout != "" {
		d, err := time.ParseDuration(cfg.Timeout)
		if err != nil || d <= 0 {
			return ClientOptions{}, fmt.Errorf("invalid registry.timeout %q: want a duration such as 10s", cfg.Timeout)
		}
		o.Timeout = d
	}
	if o.Retries == 0 && cfg.Retries != nil {
		switch r := *cfg.Retries; {
		case r < 0 || r > 10:
			return ClientOptions{}, fmt.Errorf("invalid registry.retries %d: want 0 to 10", r)
		case r == 0:
			o.Retries = -1
		default:
			o.Retries = r
		}
	}
	return o, nil
}
