# Shared by the benchmark scripts: sourced, not run.
# Starts the private Docker engine (.ci/peers.sh) and sets $docker to its client.
bench_peers() {
  bash .ci/peers.sh >/dev/null
  set -a; . "${PEERS_ENV:-.ci/peers.env}"; set +a
  docker="$IMAGEFMT_DOCKER"
}

# Sets $cli to the imagefmt to measure: $IMAGEFMT_CLI when set (such as the Native AOT binary of
# `dotnet publish src/ImageFormat.Cli -c Release -r linux-x64 -p:PublishAot=true -o DIR`), else the JIT build of the tree.
bench_cli() {
  if [ -n "${IMAGEFMT_CLI:-}" ]; then
    cli=$IMAGEFMT_CLI
  else
    dotnet build src/ImageFormat.Cli -c Release -v q -nologo >/dev/null
    cli="dotnet src/ImageFormat.Cli/bin/Release/net10.0/imagefmt.dll"
  fi
}

# make_random_image NAME ARCHIVE SIZE_MB LAYERS FILES_PER_LAYER
# Builds NAME:latest with real Docker: LAYERS commits on busybox:base, each adding FILES_PER_LAYER files of
# random data (incompressible, so no layer is shared with anything else), saves it to ARCHIVE once (cached),
# and removes the intermediate tags.
make_random_image() {
  local name=$1 archive=$2 size_mb=$3 layers=$4 files=$5
  [ -f "$archive" ] && return 0
  echo "generating $archive with Docker ($layers layers x $files files, ${size_mb} MB)..." >&2
  local per_file_kb=$(( size_mb * 1024 / layers / files )) image=busybox:base cid l
  for l in $(seq 1 "$layers"); do
    cid=$("$docker" create "$image" sh -c "mkdir -p /data/l$l && i=0; while [ \$i -lt $files ]; do head -c ${per_file_kb}k /dev/urandom > /data/l$l/f\$i; i=\$((i+1)); done")
    "$docker" start -a "$cid" >/dev/null
    "$docker" commit -m "layer $l" "$cid" "$name:l$l" >/dev/null
    "$docker" rm "$cid" >/dev/null
    image="$name:l$l"
  done
  "$docker" tag "$image" "$name:latest"
  "$docker" save -o "$archive" "$name:latest"
  for l in $(seq 1 "$layers"); do "$docker" rmi "$name:l$l" >/dev/null 2>&1 || true; done
}

# make_files_image ARCHIVE TAG DIRS FILES_PER_DIR
# Saves to ARCHIVE once (cached) an image that real Docker commits on busybox:base with DIRS directories of
# FILES_PER_DIR small files under /data (the roots the commit benchmarks change); TAG:base is removed afterwards.
make_files_image() {
  local archive=$1 tag=$2 dirs=$3 files=$4
  [ -f "$archive" ] && return 0
  echo "generating $archive with Docker ($((dirs * files)) files)..." >&2
  "$docker" run --name "$tag-gen" busybox:base sh -c "d=0; while [ \$d -lt $dirs ]; do mkdir -p /data/d\$d; f=0; while [ \$f -lt $files ]; do echo \"file \$d \$f\" > /data/d\$d/f\$f; f=\$((f+1)); done; d=\$((d+1)); done" >/dev/null
  "$docker" commit "$tag-gen" "$tag:base" >/dev/null
  "$docker" rm "$tag-gen" >/dev/null
  "$docker" save -o "$archive" "$tag:base"
  "$docker" rmi "$tag:base" >/dev/null
}
