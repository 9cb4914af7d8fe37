"""A minimal safetensors reader/writer written from the format's specification (8-byte
little-endian header length, JSON header with dtype/shape/data_offsets and string
__metadata__, then raw little-endian data), in the Python standard library only. It is an
implementation independent of tensorlift's, used by test/io.test.ts to show that files cross
between the two. (The official `safetensors` package writes and reads exactly this layout;
it cannot be installed on this offline machine, which has no PyPI access.)

usage: safetensors_spec.py read FILE    prints {name: {dtype, shape, values}, "__metadata__": {...}} as JSON
       safetensors_spec.py write FILE   writes fixed tensors in F32, F64, F16, BF16, I32 and I64
"""
import json
import struct
import sys

FORMATS = {"F32": ("f", 4), "F64": ("d", 8), "F16": ("e", 2), "I32": ("i", 4), "I64": ("q", 8), "U8": ("B", 1)}


def decode(dtype, raw):
    if dtype == "BF16":  # the top half of a float32
        return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for (h,) in struct.iter_unpack("<H", raw)]
    code, size = FORMATS[dtype]
    return [v for (v,) in struct.iter_unpack("<" + code, raw)]


def encode(dtype, values):
    if dtype == "BF16":
        return b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", v))[0] >> 16) for v in values)
    return struct.pack("<%d%s" % (len(values), FORMATS[dtype][0]), *values)


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {"__metadata__": header.pop("__metadata__", {})}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        out[name] = {"dtype": e["dtype"], "shape": e["shape"], "values": decode(e["dtype"], data[begin:end])}
    return out


def write(path):
    tensors = [
        ("f32", "F32", [2, 3], [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]),
        ("f64", "F64", [1, 2], [1.5, -2.25]),
        ("f16", "F16", [3], [0.5, -3.0, 65504.0]),
        ("bf16", "BF16", [2], [1.5, -2.25]),
        ("i32", "I32", [3], [-7, 0, 7]),
        ("i64", "I64", [2, 1], [1, 2]),
    ]
    header, chunks, offset = {"__metadata__": {"source": "python"}}, [], 0
    for name, dtype, shape, values in tensors:
        raw = encode(dtype, values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


if __name__ == "__main__":
    if sys.argv[1] == "read":
        print(json.dumps(read(sys.argv[2])))
    else:
        write(sys.argv[2])
