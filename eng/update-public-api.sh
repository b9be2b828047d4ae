#!/usr/bin/env bash
# Brings src/ImageFormat/PublicAPI.Unshipped.txt in line with the code: adds every symbol the
# PublicApiAnalyzers report as undeclared (RS0016) and drops every declared symbol they report as gone
# (RS0017). Review the diff: a change to the public API should be deliberate.
set -euo pipefail
cd "$(dirname "$0")/.."
proj=src/ImageFormat/ImageFormat.csproj
file=src/ImageFormat/PublicAPI.Unshipped.txt
for round in 1 2 3; do
  log=$(dotnet build "$proj" -c Debug --no-incremental -p:TreatWarningsAsErrors=false 2>&1 || true)
  add=$(grep -oP "RS0016: Symbol '\K.*?(?=' is not part of the declared public API)" <<<"$log" | sort -u || true)
  del=$(grep -oP "RS0017: Symbol '\K.*?(?=' is part of the declared API, but is either not public or could not be found)" <<<"$log" | sort -u || true)
  [ -z "$add$del" ] && break
  { head -n1 "$file"; { tail -n +2 "$file"; [ -n "$add" ] && printf '%s\n' "$add"; } | grep -vxF -f <(printf '%s\n' "$del" | sed '/^$/d') 2>/dev/null | sed '/^$/d' | LC_ALL=C sort -u; } > "$file.new"
  mv "$file.new" "$file"
done
echo "public API: $(($(wc -l <"$file") - 1)) unshipped symbols"
