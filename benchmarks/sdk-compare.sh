#!/usr/bin/env bash
# Issue 11 comparison: the same app built into an image by ImageFormat.Build (base from an archive, offline) and by
# the .NET SDK's own container support (`dotnet publish /t:PublishContainer`, base pulled from a registry), on the
# same base, which is pushed to a loopback docker-registry for the SDK. Prints both times and both images' contents
# (config fields, layers with their sizes and file counts) side by side.
#   bash benchmarks/sdk-compare.sh
# The base is the one benchmarks/build-publish.sh makes (docker import of the host's .NET runtime and the glibc files
# it loads, then docker save); the app is samples/ContainerApp, with the same settings on both sides. What is timed
# is the whole publish with the image step, after a first publish has restored and built everything:
#   - ours: `dotnet publish -p:ContainerBaseImage=base.tar -p:ContainerArchiveOutputPath=ours.tar` (image target forced)
#   - SDK:  `dotnet publish /t:PublishContainer -p:ContainerBaseImage=127.0.0.1:PORT/bench/base:1
#           -p:ContainerArchiveOutputPath=sdk.tar.gz` (pulls the base's manifest and config, writes an archive)
# Run it on an idle machine; numbers on a loaded one say little.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/imagefmt-bench}/sdk-compare; rm -rf "$dir"; mkdir -p "$dir"
. benchmarks/lib.sh
bench_peers
command -v docker-registry >/dev/null || { echo "docker-registry not found: apt-get install docker-registry" >&2; exit 1; }

now() { date +%s.%N; }
timeit() { local s e; s=$(now); "$@" > "$dir/out.log" 2>&1 || { cat "$dir/out.log" >&2; exit 1; }; e=$(now); echo "$e - $s" | bc -l; }

# The base, as build-publish.sh makes it.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
root="$dir/rootfs"; mkdir -p "$root/usr/share/dotnet/shared" "$root/tmp"; chmod 1777 "$root/tmp"
cp -a "$dotnet_root/host" "$root/usr/share/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$root/usr/share/dotnet/shared/"
for lib in $( (find "$root/usr/share/dotnet" -name '*.so'; find "$dotnet_root/packs" -name apphost) | xargs -n1 ldd 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$root" | sort -u); do
  [ -f "$lib" ] || continue; mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
done
tar -C "$root" --owner=0 --group=0 --numeric-owner -cf "$dir/rootfs.tar" .
"$docker" import "$dir/rootfs.tar" bench-sdk-base:1 >/dev/null
"$docker" save bench-sdk-base:1 -o "$dir/base.tar"
"$docker" rmi bench-sdk-base:1 >/dev/null

# A loopback registry holding the base, pushed by imagefmt copy.
dotnet build src/ImageFormat.Cli -c Release -v q -nologo >/dev/null
cli="dotnet src/ImageFormat.Cli/bin/Release/net10.0/imagefmt.dll"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
host="127.0.0.1:$port"
cat > "$dir/config.yml" <<EOT
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/registry
http:
  addr: $host
EOT
docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://$host/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
$cli copy "docker-archive:$dir/base.tar" "docker://$host/bench/base:1" > /dev/null

# The task from a local feed; two copies of the sample: one with the task, one without it for the SDK.
dotnet build src/ImageFormat.Build -c Release -v q -nologo >/dev/null
dotnet pack src/ImageFormat.Build -c Release --no-build -o "$dir/feed" -v q -nologo >/dev/null
cp -r samples/ContainerApp "$dir/ours"
cp -r samples/ContainerApp "$dir/sdk"
sed -i '/Include="ImageFormat.Build"/d' "$dir/sdk/ContainerApp.csproj"
for app in ours sdk; do
  cat > "$dir/$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="feed" value="$dir/feed" /></packageSources></configuration>
XML
done
export NUGET_PACKAGES="$dir/packages" DOTNET_CONTAINER_INSECURE_REGISTRIES="$host"
ours=(-p:ContainerBaseImage="$dir/base.tar" -p:ContainerImageTag=1.0 -p:ContainerArchiveOutputPath="$dir/ours.tar")
sdk=(-t:PublishContainer -p:ContainerBaseImage="$host/bench/base:1" -p:ContainerImageTag=1.0 -p:ContainerArchiveOutputPath="$dir/sdk.tar.gz")
# Warm-up: restore, build and publish on both sides, so only the image work and an up-to-date build remain.
(cd "$dir/ours" && dotnet publish -c Release -nodeReuse:false "${ours[@]}" >/dev/null)
(cd "$dir/sdk" && dotnet publish -c Release -nodeReuse:false "${sdk[@]}" >/dev/null)

rm -f "$dir/ours.tar" "$dir/sdk.tar.gz"
t_ours=$(timeit bash -c "cd '$dir/ours' && dotnet publish -c Release -nodeReuse:false ${ours[*]}")
t_sdk=$(timeit bash -c "cd '$dir/sdk' && dotnet publish -c Release -nodeReuse:false ${sdk[*]}")

# Contents: what each image holds, read by a small reader of both archive layouts (Docker's manifest.json or an OCI
# index.json), not by imagefmt: the SDK's OCI archive gives its index entry an empty "platform": {}, which the OCI
# image-spec does not allow (os and architecture are required) and which ImageFormat refuses (IMGFMT0005).
describe() { # ARCHIVE
  python3 - "$1" <<'PY'
import gzip, io, json, sys, tarfile
data = open(sys.argv[1], "rb").read()
if data[:2] == b"\x1f\x8b": data = gzip.decompress(data)
tar = tarfile.open(fileobj=io.BytesIO(data))
read = lambda name: tar.extractfile(name).read()
blob = lambda digest: read("blobs/" + digest.replace(":", "/"))
names = tar.getnames()
if "manifest.json" in names:
    entry = json.loads(read("manifest.json"))[0]
    config = json.loads(read(entry["Config"])); layers = [(n, len(read(n))) for n in entry["Layers"]]
else:
    index = json.loads(read("index.json")); manifest = json.loads(blob(index["manifests"][0]["digest"]))
    config = json.loads(blob(manifest["config"]["digest"])); layers = [(l["digest"], l["size"]) for l in manifest["layers"]]
cfg = config.get("config", {})
for k in ("Entrypoint", "Cmd", "WorkingDir", "User", "Env", "Labels", "ExposedPorts"):
    print(f"{k}: {json.dumps(cfg.get(k), sort_keys=True)}")
print("created:", config.get("created"))
print("history:", [h.get("created_by", "") for h in config.get("history", [])])
for (name, size), diff in zip(layers, config["rootfs"]["diff_ids"]):
    raw = read(name) if name in names else blob(name)
    if raw[:2] == b"\x1f\x8b": raw = gzip.decompress(raw)
    members = tarfile.open(fileobj=io.BytesIO(raw)).getmembers()
    owners = sorted({f"{m.uid}:{m.gid}" for m in members}); times = sorted({m.mtime for m in members})
    print(f"layer {diff[:19]}: {size} bytes stored, {len(members)} entries, owners {owners}, mtimes {times[0]}..{times[-1]}")
PY
}
echo "== ImageFormat.Build (base from $dir/base.tar): $(printf '%.2f' "$t_ours") s"
describe "$dir/ours.tar" > "$dir/ours.txt"; cat "$dir/ours.txt"
echo "== SDK PublishContainer (base from $host/bench/base:1): $(printf '%.2f' "$t_sdk") s"
describe "$dir/sdk.tar.gz" > "$dir/sdk.txt"; cat "$dir/sdk.txt"
echo "== differences (diff ours sdk)"
diff "$dir/ours.txt" "$dir/sdk.txt" || true
printf 'publish with the image step: ours %.2f s, SDK %.2f s (SDK/ours = %.2fx); %s cores\n' "$t_ours" "$t_sdk" "$(echo "$t_sdk / $t_ours" | bc -l)" "$(nproc)"
