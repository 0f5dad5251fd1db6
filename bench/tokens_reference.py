"""The same work as the extension's token statistics, in numpy and (when installed) torch on the CPU.

Usage: tokens_reference.py <file.safetensors> <rows> <vocab> <dtype> <chunk_rows>; prints JSON seconds of CPU
time (time.process_time, as the extension's side is timed).
Reads the file in chunks of rows as the extension does, then argmax and log-softmax NLL (torch: argmax and
cross_entropy) per chunk.
"""

import json
import struct
import sys
import time

import numpy as np

path, rows, vocab, dtype, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
with open(path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
start = 8 + n + header["logits"]["data_offsets"][0]
labels_at = 8 + n + header["labels"]["data_offsets"][0]
labels = np.fromfile(path, dtype=np.int64, count=rows, offset=labels_at)
width = 4 if dtype == "F32" else 2


def chunks():
    with open(path, "rb") as f:
        f.seek(start)
        for row in range(0, rows, chunk):
            count = min(chunk, rows - row)
            raw = np.frombuffer(f.read(count * vocab * width), dtype=np.float32 if dtype == "F32" else np.uint16).reshape(count, vocab)
            if dtype == "F16":
                raw = raw.view(np.float16)
            yield row, raw


def numpy_work():
    correct, nll = 0, 0.0
    for row, raw in chunks():
        z = raw.view(np.uint16).astype(np.uint32) << 16 if dtype == "BF16" else raw
        z = z.view(np.float32) if dtype == "BF16" else z.astype(np.float32, copy=False)
        y = labels[row : row + len(z)]
        m = z.max(1, keepdims=True)
        lse = np.log(np.exp(z - m).sum(1)) + m[:, 0]
        correct += int((z.argmax(1) == y).sum())
        nll += float((lse - z[np.arange(len(z)), y]).sum())
    return correct, nll


def torch_work(torch):
    correct, nll = 0, 0.0
    for row, raw in chunks():
        if dtype == "BF16":
            z = torch.from_numpy(raw.view(np.int16).copy()).view(torch.bfloat16).float()
        else:
            z = torch.from_numpy(raw.copy()).float()
        y = torch.from_numpy(labels[row : row + len(z)])
        correct += int((z.argmax(1) == y).sum())
        nll += float(torch.nn.functional.cross_entropy(z, y, reduction="sum"))
    return correct, nll


def timed(work, *args):
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        result = work(*args)
        best = min(best, time.process_time() - t)
    return best, result


out = {}
out["numpy"], out["numpyResult"] = timed(numpy_work)
try:
    import torch

    torch.set_num_threads(1)
    out["torch"], out["torchResult"] = timed(torch_work, torch)
except ImportError:
    out["torch"] = None
print(json.dumps(out))
