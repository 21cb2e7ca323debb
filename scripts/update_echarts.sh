#!/usr/bin/env bash
# Refresh the vendored Apache ECharts build that `custseg report` inlines into its HTML.
#   bash scripts/update_echarts.sh [VERSION]   (default: the version pinned below)
set -euo pipefail
version=${1:-6.1.0}
dest="$(cd "$(dirname "$0")/.." && pwd)/src/custseg/assets"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "echarts@$version" >/dev/null && tar xzf echarts-*.tgz)
cp "$work/package/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$work/package/LICENSE" "$dest/ECHARTS-LICENSE"
cp "$work/package/NOTICE" "$dest/ECHARTS-NOTICE"
echo "echarts $version -> $dest"
