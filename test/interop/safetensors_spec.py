"""A minimal safetensors reader/writer written from the format spec (8-byte little-endian
header length, JSON header, raw little-endian data), used to check tensorlift's files against
an implementation that is not tensorlift's. The official `safetensors` package cannot be
installed on this offline machine (no PyPI); this mirrors its on-disk format exactly.

usage: safetensors_spec.py read FILE            -> prints JSON {name: {dtype, shape, values}, __metadata__}
       safetensors_spec.py write FILE           -> writes a fixed set of tensors (f32, f64, f16, bf16, i32, i64)
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
          "I32": torch.int32, "I64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {"__metadata__": header.pop("__metadata__", {})}
    for name, e in header.items():
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:end]), dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = {"dtype": e["dtype"], "shape": list(t.shape), "values": t.double().flatten().tolist()}
    return out


def write(path):
    tensors = {
        "f32": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4,
        "f64": torch.tensor([[1.5, -2.25]], dtype=torch.float64),
        "f16": torch.tensor([0.5, -3.0, 65504.0], dtype=torch.float16),
        "bf16": torch.tensor([1.5, -2.25], dtype=torch.bfloat16),
        "i32": torch.tensor([-7, 0, 7], dtype=torch.int32),
        "i64": torch.tensor([[1], [2]], dtype=torch.int64),
    }
    header, chunks, offset = {"__metadata__": {"source": "python"}}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
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
