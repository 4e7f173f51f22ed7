package glue

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evctl/evctl/internal/glue/sigv4"
)

// Credentials come from the common sources of the AWS SDKs' default chain,
// in their order:
//
//  1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN;
//  2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
//     ~/.aws/credentials), section [PROFILE];
//  3. the shared config file (AWS_CONFIG_FILE, default ~/.aws/config),
//     section [profile PROFILE] or [default];
//
// with PROFILE from AWS_PROFILE, else "default". Static keys only: a
// profile that needs role assumption, SSO, a credential process or web
// identity, and instance or container metadata, are not supported and are
// reported as such rather than skipped.

// ErrNoCredentials: no source of the chain holds credentials.
var ErrNoCredentials = errors.New("no AWS credentials")

// unsupportedKeys are profile settings evctl cannot turn into credentials.
var unsupportedKeys = []string{"role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file", "credential_source"}

// LoadCredentials resolves credentials; source says where they came from.
func LoadCredentials(getenv func(string) string) (creds sigv4.Credentials, source string, err error) {
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" || secret != "" {
		if id == "" || secret == "" {
			return creds, "", errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
		}
		return sigv4.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN")}, "environment", nil
	}
	profile := getenv("AWS_PROFILE")
	if profile == "" {
		profile = "default"
	}
	home := getenv("HOME")
	credFile := getenv("AWS_SHARED_CREDENTIALS_FILE")
	if credFile == "" && home != "" {
		credFile = filepath.Join(home, ".aws", "credentials")
	}
	confFile := getenv("AWS_CONFIG_FILE")
	if confFile == "" && home != "" {
		confFile = filepath.Join(home, ".aws", "config")
	}
	for _, f := range []struct{ path, section string }{{credFile, profile}, {confFile, configSection(profile)}} {
		if f.path == "" {
			continue
		}
		kv, found, err := readINISection(f.path, f.section)
		if err != nil {
			return creds, "", err
		}
		if !found {
			continue
		}
		if kv["aws_access_key_id"] != "" && kv["aws_secret_access_key"] != "" {
			return sigv4.Credentials{AccessKeyID: kv["aws_access_key_id"], SecretAccessKey: kv["aws_secret_access_key"], SessionToken: kv["aws_session_token"]},
				fmt.Sprintf("%s [%s]", f.path, f.section), nil
		}
		for _, k := range unsupportedKeys {
			if kv[k] != "" {
				return creds, "", fmt.Errorf("profile %q in %s uses %s, which evctl does not support (static keys only); export temporary keys, e.g. eval \"$(aws configure export-credentials --profile %s --format env)\"", profile, f.path, k, profile)
			}
		}
	}
	return creds, "", fmt.Errorf("%w: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or keys for profile %q in the shared credentials or config file; evctl does not read instance or container metadata", ErrNoCredentials, profile)
}

func configSection(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

// ResolveRegion returns region, else AWS_REGION, AWS_DEFAULT_REGION, or the
// region of the profile in the shared config file.
func ResolveRegion(region string, getenv func(string) string) (string, error) {
	for _, r := range []string{region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")} {
		if r != "" {
			return r, nil
		}
	}
	profile := getenv("AWS_PROFILE")
	if profile == "" {
		profile = "default"
	}
	confFile := getenv("AWS_CONFIG_FILE")
	if confFile == "" && getenv("HOME") != "" {
		confFile = filepath.Join(getenv("HOME"), ".aws", "config")
	}
	if confFile != "" {
		kv, _, err := readINISection(confFile, configSection(profile))
		if err != nil {
			return "", err
		}
		if kv["region"] != "" {
			return kv["region"], nil
		}
	}
	return "", errors.New("no AWS region: set registry.region in evctl.yaml, AWS_REGION, or region in the shared config file")
}

// readINISection reads one section of an AWS shared file; a missing file
// is no section.
func readINISection(path, section string) (map[string]string, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read AWS shared file: %w", err)
	}
	defer f.Close()
	kv := map[string]string{}
	found, in := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			name := strings.Join(strings.Fields(line[1:len(line)-1]), " ")
			in = name == section
			found = found || in
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok {
			kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, false, fmt.Errorf("read AWS shared file %s: %w", path, err)
	}
	return kv, found, nil
}
