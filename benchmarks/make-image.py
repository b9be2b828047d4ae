#!/usr/bin/env python3
"""Writes a `docker save` archive of random files, quickly and without Docker, for the scaling rows of
physical-limits.sh: LAYERS uncompressed layers, each a directory l<N>/ of FILES files of incompressible data, the
sizes adding up to SIZE_MB. The archive is in the shape of Docker 20.10's (manifest.json, <id>.json config with
rootfs.diff_ids, one directory per layer holding layer.tar); imagefmt reads and verifies it like any other.

    python3 benchmarks/make-image.py OUT.tar SIZE_MB LAYERS FILES_PER_LAYER [REPO:TAG]
"""
import hashlib, io, json, os, sys, tarfile

def layer_tar(path, index, files, per_file):
    digest = hashlib.sha256()
    with open(path, "wb") as raw:
        class Hashing(io.RawIOBase):
            def writable(self): return True
            def write(self, b):
                digest.update(b); raw.write(b); return len(b)
        with tarfile.open(fileobj=Hashing(), mode="w|", format=tarfile.PAX_FORMAT) as tar:
            d = tarfile.TarInfo(f"l{index}/"); d.type = tarfile.DIRTYPE; d.mode = 0o755; d.mtime = 1600000000
            tar.addfile(d)
            for i in range(files):
                info = tarfile.TarInfo(f"l{index}/f{i}"); info.size = per_file; info.mode = 0o644; info.mtime = 1600000000
                tar.addfile(info, io.BytesIO(os.urandom(per_file)))
    return "sha256:" + digest.hexdigest()

def main():
    out, size_mb, layers, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    tag = sys.argv[5] if len(sys.argv) > 5 else "scale:latest"
    per_file = size_mb * 1024 * 1024 // (layers * files)
    work = out + ".parts"; os.makedirs(work, exist_ok=True)
    diff_ids = [layer_tar(os.path.join(work, f"{n}.tar"), n, files, per_file) for n in range(1, layers + 1)]
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2020-09-13T12:26:40Z",
                         "config": {"Cmd": ["sh"]}, "rootfs": {"type": "layers", "diff_ids": diff_ids},
                         "history": [{"created": "2020-09-13T12:26:40Z", "created_by": f"layer {n}"} for n in range(1, layers + 1)]},
                        separators=(",", ":")).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_names = [d[len("sha256:"):] + "/layer.tar" for d in diff_ids]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]).encode()
    with tarfile.open(out + ".tmp", "w", format=tarfile.PAX_FORMAT) as tar:
        def add_bytes(name, data):
            info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 1600000000; info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        for n, name in enumerate(layer_names, start=1):
            tar.add(os.path.join(work, f"{n}.tar"), arcname=name)
            os.remove(os.path.join(work, f"{n}.tar"))
        add_bytes(config_name, config)
        add_bytes("manifest.json", manifest)
    os.rmdir(work)
    os.replace(out + ".tmp", out)

if __name__ == "__main__":
    main()
