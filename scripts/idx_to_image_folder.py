#!/usr/bin/env python3
"""Writes an IDX dataset of the MNIST family (Fashion-MNIST by default) as an image folder of grey PNG files:

    OUT/train/<label>-<class>/<index>.png    OUT/test/<label>-<class>/<index>.png

Class folders are numbered so that their sorted order is the label order, and files are named by their index
in the IDX file (zero-padded), so `googlenet train --data OUT` reads the pictures in the IDX order and trains
exactly as `--data IDX_DIR` does. Only the standard library is used.

Usage: idx_to_image_folder.py IDX_DIR OUT [--train-limit N] [--test-limit N]
"""
import argparse
import gzip
import os
import struct
import sys
import zlib

FASHION_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            magic, = struct.unpack(">I", data[:4])
            dims = magic & 0xFF
            shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
            return shape, data[4 + 4 * dims:]
    sys.exit(f"idx_to_image_folder.py: {os.path.join(directory, stem)}[.gz] not found")


def png_grey(width, height, pixels):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def write_split(idx_dir, prefix, out_dir, limit):
    (count, rows, cols), images = read_idx(idx_dir, f"{prefix}-images-idx3-ubyte")
    (label_count,), labels = read_idx(idx_dir, f"{prefix}-labels-idx1-ubyte")
    if label_count != count:
        sys.exit(f"idx_to_image_folder.py: {prefix}: {count} images but {label_count} labels")
    n = count if limit is None else min(limit, count)
    classes = max(labels[:count]) + 1
    names = FASHION_CLASSES if classes == len(FASHION_CLASSES) else [str(i) for i in range(classes)]
    width = len(str(classes - 1))
    folders = [os.path.join(out_dir, f"{i:0{width}d}-{names[i]}") for i in range(classes)]
    for folder in folders:
        os.makedirs(folder, exist_ok=True)
    digits = len(str(count - 1))
    size = rows * cols
    for i in range(n):
        path = os.path.join(folders[labels[i]], f"{i:0{digits}d}.png")
        with open(path + ".tmp", "wb") as f:
            f.write(png_grey(cols, rows, images[i * size:(i + 1) * size]))
        os.replace(path + ".tmp", path)
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("idx_dir")
    parser.add_argument("out")
    parser.add_argument("--train-limit", type=int)
    parser.add_argument("--test-limit", type=int)
    args = parser.parse_args()
    a = write_split(args.idx_dir, "train", os.path.join(args.out, "train"), args.train_limit)
    b = write_split(args.idx_dir, "t10k", os.path.join(args.out, "test"), args.test_limit)
    print(f"{args.out}: {a} training and {b} test pictures")


if __name__ == "__main__":
    main()
