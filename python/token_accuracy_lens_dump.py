"""Write compact per-token evaluation outputs for Token Accuracy Lens.

For each evaluation this writes `<output_dir>/eval_outputs/step-<N>.safetensors` holding, per target token,
`labels`, `predictions` (argmax ids), `label_logprobs` (log p of the label) and `max_logprobs` (log p of
the argmax), already aligned (the causal shift applied), with the shift and ignore index in its metadata.
That is 16 bytes a token instead of 4 x vocab bytes of logits, and enough for token accuracy, NLL,
calibration (ECE, Brier) and the paired test between checkpoints.

Needs numpy only; torch is used when the logits are torch tensors (inside the Hugging Face Trainer).

    from token_accuracy_lens_dump import TokenAccuracyLensDump
    dump = TokenAccuracyLensDump(output_dir=args.output_dir)
    trainer = Trainer(..., preprocess_logits_for_metrics=dump.preprocess_logits_for_metrics,
                      compute_metrics=dump.compute_metrics, callbacks=[dump])
"""

import json
import os
import struct

import numpy as np

try:  # The Trainer calls every callback event by name; its base class answers the ones not used here.
    from transformers import TrainerCallback as _CallbackBase
except ImportError:  # pragma: no cover - transformers is optional
    _CallbackBase = object

IGNORE_INDEX = -100
_DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("int64"): "I64", np.dtype("int32"): "I32"}


def write_safetensors(path, tensors, metadata=None):
    """Write numpy arrays as a safetensors file (little-endian, row-major), atomically."""
    header = {}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        if array.dtype not in _DTYPES:
            raise ValueError(f"{name}: dtype {array.dtype} is not written (float32, float16, int64, int32 are)")
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _DTYPES[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # Align the data to 8 bytes, as the safetensors library does.
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
    os.replace(tmp, path)  # A watcher never sees half a file.


def _log_softmax(logits):
    logits = logits.astype(np.float32, copy=False)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def compact_from_logits(logits, labels, causal_shift=True, ignore_index=IGNORE_INDEX):
    """Per-token (labels, predictions, label_logprobs, max_logprobs) from [batch, seq, vocab] logits, with numpy.

    With causal_shift the logits at position t are scored against the label at t + 1 (Hugging Face, TRL).
    Positions whose label is ignore_index keep it as their label and are skipped by the reader.
    """
    logits = np.asarray(logits)
    labels = np.asarray(labels).astype(np.int64)
    if causal_shift:
        logits, labels = logits[..., :-1, :], labels[..., 1:]
    logprobs = _log_softmax(logits)
    safe = np.where(labels == ignore_index, 0, labels)
    return {
        "labels": labels,
        "predictions": logprobs.argmax(axis=-1).astype(np.int64),
        "label_logprobs": np.take_along_axis(logprobs, safe[..., None], axis=-1)[..., 0].astype(np.float32),
        "max_logprobs": logprobs.max(axis=-1).astype(np.float32),
    }


def dump_evaluation(output_dir, step, compact, ignore_index=IGNORE_INDEX, folder="eval_outputs"):
    """Write one evaluation's compact outputs as eval_outputs/step-<step>.safetensors; returns the path."""
    directory = os.path.join(output_dir, folder)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"step-{int(step)}.safetensors")
    metadata = {"causal_shift": "false", "ignore_index": ignore_index, "step": int(step), "producer": "token_accuracy_lens_dump"}
    write_safetensors(path, compact, metadata)
    return path


class TokenAccuracyLensDump(_CallbackBase):
    """Hooks for the Hugging Face Trainer: per-token outputs are written at each evaluation.

    `preprocess_logits_for_metrics` shrinks each batch's logits to three per-token tensors on the device
    (the Trainer then gathers [batch, seq] tensors, not [batch, seq, vocab]); `compute_metrics` keeps them;
    the callback's `on_evaluate` writes them with the step of the evaluation.
    """

    def __init__(self, output_dir, ignore_index=IGNORE_INDEX, compute_metrics=None):
        self.output_dir = output_dir
        self.ignore_index = ignore_index
        self.user_compute_metrics = compute_metrics
        self.pending = None
        self.written = []

    def preprocess_logits_for_metrics(self, logits, labels):
        import torch  # Only inside the Trainer, where torch is present.

        if isinstance(logits, tuple):
            logits = logits[0]
        logprobs = torch.log_softmax(logits[:, :-1, :].float(), dim=-1)
        targets = labels[:, 1:]
        safe = targets.masked_fill(targets == self.ignore_index, 0)
        label_logprobs = logprobs.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
        max_logprobs, predictions = logprobs.max(dim=-1)
        # Padded back to the labels' length so that the Trainer can concatenate batches; the last column is dropped later.
        pad = lambda x, value: torch.nn.functional.pad(x, (0, 1), value=value)  # noqa: E731
        return pad(predictions, self.ignore_index), pad(label_logprobs, 0.0), pad(max_logprobs, 0.0)

    def compute_metrics(self, eval_pred):
        predictions, label_logprobs, max_logprobs = eval_pred.predictions
        labels = np.asarray(eval_pred.label_ids)
        self.pending = {
            "labels": labels[:, 1:].astype(np.int64),
            "predictions": np.asarray(predictions)[:, :-1].astype(np.int64),
            "label_logprobs": np.asarray(label_logprobs)[:, :-1].astype(np.float32),
            "max_logprobs": np.asarray(max_logprobs)[:, :-1].astype(np.float32),
        }
        return self.user_compute_metrics(eval_pred) if self.user_compute_metrics else {}

    def on_evaluate(self, args, state, control, **kwargs):
        if self.pending is not None and state.is_world_process_zero:
            self.written.append(dump_evaluation(self.output_dir, state.global_step, self.pending, self.ignore_index))
        self.pending = None
        return control
