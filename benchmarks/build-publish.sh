#!/usr/bin/env bash
# Issue 11 benchmark: the image step of `dotnet publish` with ImageFormat.Build against `docker build` of the
# equivalent Dockerfile (FROM base, COPY publish/ /app/, the same config) on the same base, as a ratio in one run,
# and the time of a publish with nothing changed (the image target skipped).
#   bash benchmarks/build-publish.sh
# The base is what the end-to-end test makes: `docker import` of the host's .NET runtime and the glibc files it
# loads, then `docker save`. The app is samples/ContainerApp, restored from a local feed holding the packed task.
# Both sides get the same publish output; what is timed is the image work alone:
#   - ours: `dotnet msbuild -t:ImageFormatContainerImage` with the publish already done (archive written, fsynced)
#   - docker: `docker build` of FROM base / COPY publish/ /app/ / ENV, LABEL, EXPOSE, USER, WORKDIR, ENTRYPOINT, CMD,
#     then `docker save` of the result (so both end with an archive on disk)
# and the full no-change `dotnet publish` (restore, build and publish up to date, image target skipped), beside the
# same no-change publish with no image asked for.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/imagefmt-bench}/build-publish; rm -rf "$dir"; mkdir -p "$dir"
. benchmarks/lib.sh
bench_peers

now() { date +%s.%N; }
timeit() { local s e; s=$(now); "$@" > "$dir/out.log" 2>&1 || { cat "$dir/out.log" >&2; exit 1; }; e=$(now); echo "$e - $s" | bc -l; }

# The base: the host's runtime and the libraries it loads, imported and saved by Docker.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
root="$dir/rootfs"; mkdir -p "$root/usr/share/dotnet/shared" "$root/tmp"; chmod 1777 "$root/tmp"
cp -a "$dotnet_root/host" "$root/usr/share/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$root/usr/share/dotnet/shared/"
for lib in $( (find "$root/usr/share/dotnet" -name '*.so'; find "$dotnet_root/packs" -name apphost) | xargs -n1 ldd 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$root" | sort -u); do
  [ -f "$lib" ] || continue; mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
done
tar -C "$root" --owner=0 --group=0 --numeric-owner -cf "$dir/rootfs.tar" .
"$docker" import "$dir/rootfs.tar" bench-base:1 >/dev/null
"$docker" save bench-base:1 -o "$dir/base.tar"

# The task from a local feed, the sample restored from it.
dotnet build src/ImageFormat.Build -c Release -v q -nologo >/dev/null
dotnet pack src/ImageFormat.Build -c Release --no-build -o "$dir/feed" -v q -nologo >/dev/null
cp -r samples/ContainerApp "$dir/app"
cat > "$dir/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="feed" value="$dir/feed" /></packageSources></configuration>
XML
export NUGET_PACKAGES="$dir/packages"
props=(-p:ContainerBaseImage="$dir/base.tar" -p:ContainerImageTag=1.0 -p:ContainerArchiveOutputPath="$dir/app.tar")
(cd "$dir/app" && dotnet publish -c Release -nodeReuse:false "${props[@]}" >/dev/null)

# Ours: the image target alone, forced to run (its Inputs/Outputs would skip it).
rm -f "$dir/app.tar"
t_ours=$(timeit bash -c "cd '$dir/app' && dotnet msbuild -nologo -nodeReuse:false -t:ImageFormatContainerImage -p:Configuration=Release ${props[*]}")

# Docker: the same image from a Dockerfile on the same base.
mkdir -p "$dir/ctx"; cp -r "$dir/app/bin/Release/net10.0/linux-x64/publish" "$dir/ctx/publish"
cat > "$dir/ctx/Dockerfile" <<'DOCKERFILE'
FROM bench-base:1
COPY publish/ /app/
ENV GREETING="hello from ImageFormat.Build" DOTNET_ROOT=/usr/share/dotnet
LABEL org.opencontainers.image.title=ContainerApp com.example.team=images
EXPOSE 8080/tcp 5353/udp
USER 1000:1000
WORKDIR /app/
ENTRYPOINT ["/app/ContainerApp", "--from-entrypoint"]
CMD ["default-arg"]
DOCKERFILE
t_docker=$(timeit bash -c "DOCKER_BUILDKIT=0 '$docker' build -q -t bench-app:1 '$dir/ctx' && '$docker' save bench-app:1 -o '$dir/docker-app.tar'")

# The no-change rebuild: a full publish whose image target is skipped.
t_nochange=$(timeit bash -c "cd '$dir/app' && dotnet publish -c Release -nodeReuse:false ${props[*]}")
grep -q 'Built image' "$dir/out.log" && { echo "the no-change publish rebuilt the image" >&2; exit 1; }
# The same no-change publish without the image (no base named, so the task's target does not run): what MSBuild
# and the SDK cost whatever the package does. Node reuse is off in both, as on a build agent.
t_plain=$(timeit bash -c "cd '$dir/app' && dotnet publish -c Release -nodeReuse:false -p:ContainerImageTag=1.0")
t_target=$(cd "$dir/app" && dotnet msbuild -nologo -nodeReuse:false -t:ImageFormatContainerImage -p:Configuration=Release "${props[@]}" -clp:PerformanceSummary 2>&1 | awk '/ImageFormatContainerImage/ && /ms/ {print $1; exit}')

"$docker" rmi bench-app:1 bench-base:1 >/dev/null 2>&1 || true
printf 'image from publish output: ours %.2f s, docker build + save %.2f s (ours %.1fx faster)\n' "$t_ours" "$t_docker" "$(echo "$t_docker / $t_ours" | bc -l)"
printf 'no-change publish: %.2f s in all; the same publish without the image %.2f s; the skipped image target itself: %s ms\n' "$t_nochange" "$t_plain" "${t_target:-?}"
