#!/usr/bin/env bash
# Provisions a pinned schemathesis into .tools/schemathesis-<version>/ (cached) and prints the path
# of its launcher, `st`. Used by test/integration/schemathesis.test.ts; PyPI is the only source.
# Exits non-zero with the reason when it cannot: the contract test must fail then, not skip.
set -euo pipefail

version="${1:-4.32.5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.tools/schemathesis-$version"
python="${PYTHON:-python3}"

if [[ -x "$dir/st" ]] && "$dir/st" --version 2>/dev/null | grep -qF "$version"; then
  echo "$dir/st"
  exit 0
fi

command -v "$python" >/dev/null || { echo "provision-schemathesis: no $python; install Python 3 (with pip)" >&2; exit 1; }
mkdir -p "$root/.tools"
# Built aside and renamed into place, so an interrupted install is never mistaken for a good one.
partial="$(mktemp -d "$root/.tools/schemathesis-$version.partial-XXXXXX")"
trap 'rm -rf "$partial"' EXIT

# A venv keeps schemathesis' dependencies apart from the system's; where python3-venv is missing
# (Debian's python3 without ensurepip), pip --target into a directory of our own does the same.
# The launcher runs the module rather than the venv's console script, whose shebang would name
# the temporary directory.
if "$python" -m venv "$partial/venv" >/dev/null 2>&1 && "$partial/venv/bin/python" -m pip --version >/dev/null 2>&1; then
  pip=("$partial/venv/bin/python" -m pip install)
  launch='exec "$here/venv/bin/python" -m schemathesis.cli "$@"'
else
  rm -rf "$partial/venv"
  "$python" -m pip --version >/dev/null 2>&1 || { echo "provision-schemathesis: neither python3 -m venv nor pip works; install python3-venv or python3-pip" >&2; exit 1; }
  pip=("$python" -m pip install --target "$partial/site")
  launch="PYTHONPATH=\"\$here/site\" exec \"$python\" -m schemathesis.cli \"\$@\""
fi

if ! "${pip[@]}" --quiet --disable-pip-version-check "schemathesis==$version" >"$partial/pip.log" 2>&1; then
  echo "provision-schemathesis: pip could not install schemathesis==$version (is PyPI reachable?):" >&2
  tail -n 20 "$partial/pip.log" >&2
  exit 1
fi

cat >"$partial/st" <<EOF
#!/usr/bin/env bash
here="\$(cd "\$(dirname "\$0")" && pwd)"
$launch
EOF
chmod +x "$partial/st"
"$partial/st" --version | grep -qF "$version" || { echo "provision-schemathesis: the installed st does not report $version" >&2; exit 1; }

# Another test run may have finished first: keep its copy (it may be running) and drop ours.
if [[ -x "$dir/st" ]] && "$dir/st" --version 2>/dev/null | grep -qF "$version"; then
  echo "$dir/st"
  exit 0
fi
rm -rf "$dir"
mv -T "$partial" "$dir"
trap - EXIT
echo "$dir/st"
