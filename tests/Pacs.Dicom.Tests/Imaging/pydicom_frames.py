#!/usr/bin/python3
"""Reference frames for the frame tests, computed by pydicom (an independent reader).

usage: pydicom_frames.py CORPUS FILE...   (FILE relative to CORPUS)
prints one TSV line per frame:  file  frame  kind  sha256
  kind raw:    the encapsulated frame's bytes as pydicom splits the fragments
  kind pixels: the decoded pixels (native and RLE), little-endian samples, interleaved by pixel,
               1-bit frames packed least significant bit first
a file or kind pydicom cannot handle gives:  file  -1  kind-error  reason
"""
import hashlib
import sys

import numpy as np
import pydicom
from pydicom.encaps import generate_pixel_data_frame

RLE = "1.2.840.10008.1.2.5"


def sha(data):
    return hashlib.sha256(bytes(data)).hexdigest()


def main():
    corpus = sys.argv[1]
    for rel in sys.argv[2:]:
        try:
            ds = pydicom.dcmread(f"{corpus}/{rel}")
        except Exception as e:  # noqa: BLE001 - report and go on to the next file
            print(f"{rel}\t-1\tread-error\t{type(e).__name__}: {e}".replace("\n", " "))
            continue
        if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
            continue
        frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
        syntax = ds.file_meta.TransferSyntaxUID
        try:
            encapsulated = syntax.is_encapsulated
        except ValueError as e:
            print(f"{rel}\t-1\tread-error\t{e}")
            continue
        if encapsulated:
            try:
                for i, frame in enumerate(generate_pixel_data_frame(ds.PixelData, frames)):
                    print(f"{rel}\t{i}\traw\t{sha(frame)}")
            except Exception as e:  # noqa: BLE001
                print(f"{rel}\t-1\traw-error\t{type(e).__name__}: {e}".replace("\n", " "))
        if encapsulated and syntax != RLE:
            continue
        try:
            pixels = ds.pixel_array
        except Exception as e:  # noqa: BLE001
            print(f"{rel}\t-1\tpixels-error\t{type(e).__name__}: {e}".replace("\n", " "))
            continue
        if frames == 1:
            pixels = pixels[np.newaxis, ...]
        planar = int(getattr(ds, "PlanarConfiguration", 0) or 0)
        for i in range(frames):
            frame = pixels[i]
            if ds.BitsAllocated == 1:
                data = np.packbits(frame.ravel().astype(np.uint8), bitorder="little").tobytes()
            else:
                if planar == 1 and not encapsulated and frame.ndim == 3:
                    frame = np.ascontiguousarray(frame.transpose(2, 0, 1))
                data = frame.astype(frame.dtype.newbyteorder("<")).tobytes()
            print(f"{rel}\t{i}\tpixels\t{sha(data)}")


main()
