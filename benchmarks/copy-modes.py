#!/usr/bin/env python3
"""What bounds a durable save: copy one file into a new one in the kernel (copy_file_range) in four ways, then fsync.

  python3 benchmarks/copy-modes.py SOURCE OUTPUT [ROUNDS]

Modes, each timed until the output is durable:
  plain        one thread copies 32 MB chunks, then fsync;
  writeback    the same, starting each chunk's writeback at once (sync_file_range WRITE): what save does;
  flusher      one thread copies, a second one starts the writeback of what is copied;
  two-threads  two threads copy the two halves to their offsets, then fsync.
Rounds alternate the modes. Linux only; the source should be in the page cache (read it once before).
"""
import ctypes
import os
import statistics
import sys
import threading
import time

CHUNK = 32 << 20
SYNC_FILE_RANGE_WRITE = 2
libc = ctypes.CDLL(None, use_errno=True)
libc.sync_file_range.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]


def copy_range(src, dst, start, end, after_chunk=None):
    offset = start
    while offset < end:
        n = os.copy_file_range(src, dst, min(CHUNK, end - offset), offset, offset)
        if n <= 0:
            raise OSError(f"copy_file_range returned {n} at {offset}")
        offset += n
        if after_chunk:
            after_chunk(offset - n, n)


def run(mode, source, output):
    size = os.path.getsize(source)
    src = os.open(source, os.O_RDONLY)
    if os.path.exists(output):
        os.unlink(output)
    dst = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    start = time.monotonic()
    if mode == "plain":
        copy_range(src, dst, 0, size)
    elif mode == "writeback":
        copy_range(src, dst, 0, size, lambda at, n: libc.sync_file_range(dst, at, n, SYNC_FILE_RANGE_WRITE))
    elif mode == "flusher":
        copied = [0]
        done = threading.Event()

        def flush():
            flushed = 0
            while True:
                now = copied[0]
                if now > flushed:
                    libc.sync_file_range(dst, flushed, now - flushed, SYNC_FILE_RANGE_WRITE)
                    flushed = now
                elif done.is_set():
                    return
                else:
                    time.sleep(0.0002)

        flusher = threading.Thread(target=flush)
        flusher.start()
        copy_range(src, dst, 0, size, lambda at, n: copied.__setitem__(0, at + n))
        done.set()
        flusher.join()
    elif mode == "two-threads":
        half = size // 2 // 4096 * 4096
        threads = [threading.Thread(target=copy_range, args=(src, dst, 0, half)),
                   threading.Thread(target=copy_range, args=(src, dst, half, size))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    copied_at = time.monotonic()
    os.fsync(dst)
    durable_at = time.monotonic()
    os.close(src)
    os.close(dst)
    os.unlink(output)
    return copied_at - start, durable_at - start


def main():
    source, output = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    modes = ["plain", "writeback", "flusher", "two-threads"]
    results = {m: [] for m in modes}
    for r in range(rounds):
        for i in range(len(modes)):
            mode = modes[(i + r) % len(modes)]
            os.sync()
            time.sleep(1)
            results[mode].append(run(mode, source, output))
    size = os.path.getsize(source)
    print(f"{size / 1e9:.3f} GB, {rounds} rounds; seconds until copied / until durable (median, all)")
    for mode in modes:
        copied = [c for c, _ in results[mode]]
        durable = [d for _, d in results[mode]]
        print(f"{mode:12} copied {statistics.median(copied):.2f}  durable {statistics.median(durable):.2f}"
              f"   ({' '.join(f'{d:.2f}' for d in durable)})")


if __name__ == "__main__":
    main()
