#!/usr/bin/env bash
# The steps of the evctl GitHub Action (action.yml at the repository root).
#
#   action.sh install   installs evctl EVCTL_VERSION with go install, or, with
#                       EVCTL_VERSION=path, uses the evctl already on PATH
#   action.sh check     runs evctl check -f github (annotations on stdout),
#                       appends a markdown summary to $GITHUB_STEP_SUMMARY,
#                       optionally writes SARIF, and exits with evctl's status
#
# Inputs come from the environment: EVCTL_VERSION, EVCTL_ACTION_REF (the ref
# the action was used at), EVCTL_AGAINST, EVCTL_ARGS, EVCTL_SARIF.
set -euo pipefail

module=github.com/evctl/evctl

fail() { # fail STATUS MESSAGE: an error annotation, then exit
	echo "::error title=evctl::$2"
	exit "$1"
}

install_evctl() {
	local v=${EVCTL_VERSION:-}
	if [[ -z $v ]]; then
		# Default: the version of the action itself when it is used at a
		# release tag (evctl/evctl@v1.2.3), else the latest release.
		if [[ ${EVCTL_ACTION_REF:-} =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
			v=$EVCTL_ACTION_REF
		else
			v=latest
		fi
	fi
	if [[ $v == path ]]; then
		local bin
		bin=$(command -v evctl) || fail 2 "version: path, but there is no evctl on PATH"
		echo "EVCTL_BIN=$bin" >>"${GITHUB_ENV:-/dev/null}"
		"$bin" version
		return
	fi
	[[ $v =~ ^(latest|v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$ ]] ||
		fail 2 "invalid version \"$v\": want a release tag such as v0.1.0, latest, or path (the evctl already on PATH)"
	command -v go >/dev/null || fail 2 "Go is needed to install evctl: add actions/setup-go before this action"
	local dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/evctl-bin
	GOBIN=$dir CGO_ENABLED=0 go install "$module/cmd/evctl@$v"
	echo "EVCTL_BIN=$dir/evctl" >>"${GITHUB_ENV:-/dev/null}"
	echo "$dir" >>"${GITHUB_PATH:-/dev/null}"
	"$dir/evctl" version
}

check() {
	local evctl=${EVCTL_BIN:-evctl}
	local against=${EVCTL_AGAINST:-}
	if [[ -z $against ]]; then
		local base=${GITHUB_BASE_REF:-}
		[[ -n $base ]] || fail 2 "against is empty and this is not a pull request (GITHUB_BASE_REF is unset): set against, e.g. git:origin/main"
		against=git:origin/$base
		# actions/checkout fetches only the merge commit by default: fetch
		# the base branch when the clone lacks it.
		if ! git rev-parse -q --verify "refs/remotes/origin/$base^{commit}" >/dev/null; then
			git fetch --no-tags --quiet origin "+refs/heads/$base:refs/remotes/origin/$base" ||
				fail 3 "cannot fetch the base branch $base from origin"
		fi
	fi
	local -a extra=()
	[[ -z ${EVCTL_ARGS:-} ]] || read -r -a extra <<<"$EVCTL_ARGS"
	local summary
	summary=$(mktemp)
	local -a reports=(--report "markdown=$summary")
	local sarif=${EVCTL_SARIF:-}
	[[ -z $sarif ]] || reports+=(--report "sarif=$sarif")

	local status=0
	"$evctl" check --against "$against" --format github "${reports[@]}" "${extra[@]}" || status=$?

	if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
		if [[ -s $summary ]]; then
			cat "$summary" >>"$GITHUB_STEP_SUMMARY"
		else
			printf '## evctl check against %s\n\nevctl check stopped with exit status %d before it could report findings (2: usage or config error, 3: unreadable input or missing git ref, 4: registry error): see the step log.\n' \
				"$against" "$status" >>"$GITHUB_STEP_SUMMARY"
		fi
	fi
	rm -f "$summary"
	if [[ -n ${GITHUB_OUTPUT:-} ]]; then
		echo "exit-code=$status" >>"$GITHUB_OUTPUT"
		if [[ -n $sarif && -f $sarif ]]; then
			echo "sarif=$(cd "$(dirname "$sarif")" && pwd)/$(basename "$sarif")" >>"$GITHUB_OUTPUT"
		fi
	fi
	return "$status"
}

case ${1:-} in
install) install_evctl ;;
check) check ;;
*)
	echo "usage: action.sh install|check" >&2
	exit 2
	;;
esac
