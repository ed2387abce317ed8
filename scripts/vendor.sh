#!/bin/sh
# Refresh the self-hosted front-end libraries from the pinned package-lock.json.
# The copied files are committed, so running ipcity never needs npm or the internet.
set -eu
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --ignore-scripts
dest=src/ipcity/static/vendor
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/bootstrap-icons/fonts" "$dest/htmx" "$dest/echarts"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/"
cp node_modules/bootstrap/LICENSE "$dest/bootstrap/LICENSE"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$dest/bootstrap-icons/"
cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 \
   node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff "$dest/bootstrap-icons/fonts/"
cp node_modules/bootstrap-icons/LICENSE "$dest/bootstrap-icons/LICENSE"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/htmx.org/LICENSE "$dest/htmx/LICENSE"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
cp node_modules/echarts/LICENSE "$dest/echarts/LICENSE"
# Source maps are referenced by the minified files but not shipped; strip the comments so
# browsers do not request missing files.
sed -i -e '/sourceMappingURL=/d' "$dest"/*/*.min.js "$dest"/*/*.min.css
echo "vendored into $dest:"
find "$dest" -type f | sort
