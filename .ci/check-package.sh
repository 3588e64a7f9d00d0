#!/usr/bin/env bash
# The published tarball: lint its exports and types, and check what it holds.
set -euo pipefail
# publint, and attw for every resolution (node10 included: typesVersions), the SQL file excepted.
npm run lint:package
files=$(npm pack --dry-run --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].files.map(f=>f.path).join("\n")))')
for required in dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts sql/logto.sql README.md CHANGELOG.md LICENSE package.json; do
  grep -qx "$required" <<<"$files" || { echo "package is missing $required"; exit 1; }
done
if grep -E '^(test|examples|bench|src)/' <<<"$files"; then echo "package holds files it should not"; exit 1; fi
echo "package: $(wc -l <<<"$files") files, OK"
