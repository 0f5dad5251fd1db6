"""The reference of the token statistics row in the README's performance table, run as a whole process.

Usage: tokens_torch_process.py <folder holding logits.npy and labels.npy>; prints the accuracy and mean NLL.
torch on the CPU with one thread, as a user would score an evaluation without the extension: the logits
memory-mapped, 512 rows at a time widened to float32, argmax and cross_entropy only (no other statistic).
"""

import sys

import numpy as np
import torch

torch.set_num_threads(1)
folder = sys.argv[1]
logits = np.load(folder + "/logits.npy", mmap_mode="r")
labels = torch.from_numpy(np.load(folder + "/labels.npy"))
correct, nll = 0, 0.0
for start in range(0, logits.shape[0], 512):
    z = torch.from_numpy(np.array(logits[start : start + 512])).float()
    y = labels[start : start + 512]
    correct += int((z.argmax(1) == y).sum())
    nll += float(torch.nn.functional.cross_entropy(z, y, reduction="sum"))
print(correct / logits.shape[0], nll / logits.shape[0])
