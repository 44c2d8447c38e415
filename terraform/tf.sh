#!/usr/bin/env bash
# Runs terraform with a CLI config that installs hashicorp/* providers from a local filesystem mirror, for
# machines that cannot reach the public registry. Usage: terraform/tf.sh -chdir=terraform/queue-lab init
#
# The mirror is TF_PROVIDER_MIRROR when set, else the first of the usual places that holds
# registry.terraform.io/hashicorp/aws. With no mirror anywhere, terraform runs unchanged (registry as usual).
# The generated config lives under terraform/.terraform/ (git-ignored), so no machine path is committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

find_mirror() {
  local dir
  for dir in "${TF_PROVIDER_MIRROR:-}" /opt/tf-plugins "$HOME/.terraform.d/plugins" \
    "$HOME/.local/share/terraform/plugins" /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
    if [[ -n "$dir" && -d "$dir/registry.terraform.io/hashicorp/aws" ]]; then
      echo "$dir"
      return
    fi
  done
}

mirror="$(find_mirror)"
if [[ -n "$mirror" ]]; then
  mkdir -p "$here/.terraform"
  config="$here/.terraform/mirror.tfrc"
  # Written to a temporary file and renamed, so a terraform started in parallel never reads half a file.
  tmp="$(mktemp "$here/.terraform/mirror.tfrc.XXXXXX")"
  cat >"$tmp" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/*"]
  }
}
TFRC
  mv -f "$tmp" "$config"
  export TF_CLI_CONFIG_FILE="$config"
elif [[ -n "${TF_PROVIDER_MIRROR:-}" ]]; then
  echo "tf.sh: TF_PROVIDER_MIRROR=$TF_PROVIDER_MIRROR holds no registry.terraform.io/hashicorp/aws" >&2
  exit 1
fi
exec terraform "$@"
