"""Write compact per-token evaluation outputs for Token Accuracy Lens.

For each evaluation this writes `<output_dir>/eval_outputs/step-<N>.safetensors` holding, for every scored
target token (the ignore index dropped), `labels` and `predictions` (argmax ids, int32), `label_logprobs`
(log p of the label) and `max_logprobs` (log p of the argmax, float32), already aligned (the causal shift
applied), and `sequence_index` (int32: which evaluation sequence the token came from, so that paired tests
can treat sequences as the unit). That is 20 bytes a scored token instead of 4 x vocab bytes of logits, and
enough for token accuracy, NLL, calibration (ECE, Brier) and the paired test between checkpoints.

Hugging Face Trainer and TRL SFTTrainer, under their defaults (including SFTTrainer's
`loss_type="chunked_nll"`, which computes the loss without logits):

    from token_accuracy_lens_dump import TokenAccuracyLensDump
    trainer = Trainer(..., callbacks=[TokenAccuracyLensDump(output_dir=args.output_dir)])

At each evaluation the callback runs its own forward pass over the evaluation set (eval mode, no gradients,
the random number generators restored afterwards, so training is unchanged). To save that second pass where
the trainer's evaluation loop sees the logits (the plain Trainer, SFTTrainer with `loss_type="nll"`), also
pass its hooks; your own `compute_metrics` then goes through the helper:

    dump = TokenAccuracyLensDump(output_dir=args.output_dir, compute_metrics=your_compute_metrics)
    trainer = Trainer(..., preprocess_logits_for_metrics=dump.preprocess_logits_for_metrics,
                      compute_metrics=dump.compute_metrics, callbacks=[dump])

`your_compute_metrics` then receives an `EvalPrediction` whose `predictions` are the argmax token ids
[batch, seq] (not logits; position t predicts the label at t + 1, as with
`preprocess_logits_for_metrics=lambda logits, labels: logits.argmax(-1)`), and `label_ids` the labels.

Without a trainer: `dump_evaluation(output_dir, step, compact_from_logits(logits, labels, causal_shift=...))`,
or `dump_npy(output_dir, step, {"labels": ..., "logits": ...}, causal_shift=...)` for a folder of .npy arrays
with its `metadata.json`. Needs numpy only; torch is used inside the trainers.
"""

import json
import os
import random
import shutil
import struct
import warnings

import numpy as np

try:  # The Trainer calls every callback event by name; its base class answers the ones not used here.
    from transformers import TrainerCallback as _CallbackBase
except ImportError:  # pragma: no cover - transformers is optional
    _CallbackBase = object

IGNORE_INDEX = -100
PRODUCER = "token_accuracy_lens_dump"
_DTYPES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16", np.dtype("int64"): "I64", np.dtype("int32"): "I32"}
_COMPACT = ("labels", "predictions", "label_logprobs", "max_logprobs")


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


def _metadata(causal_shift, ignore_index, step):
    if not isinstance(causal_shift, bool):
        raise TypeError("causal_shift must be True (logits at position t predict the label at t + 1) or False (already aligned)")
    metadata = {"causal_shift": causal_shift, "ignore_index": int(ignore_index), "producer": PRODUCER}
    if step is not None:
        metadata["step"] = int(step)
    return metadata


def write_metadata(dump_path, causal_shift, ignore_index=IGNORE_INDEX, step=None):
    """Write the metadata sidecar that tells Token Accuracy Lens how a hand-made dump pairs its tokens.

    `dump_path` is a folder of .npy arrays (`eval_outputs/step-N/`, sidecar `eval_outputs/step-N/metadata.json`)
    or an .npz file (`eval_outputs/step-N.npz`, sidecar `eval_outputs/step-N.metadata.json`). `causal_shift`
    is required: True when the logits at position t are scored against the label at t + 1 (Hugging Face causal
    language models), False when logits and labels are already aligned (seq2seq models, shifted by hand).
    Returns the sidecar's path.
    """
    if os.path.isdir(dump_path):
        path = os.path.join(dump_path, "metadata.json")
    elif dump_path.endswith(".npz"):
        path = dump_path[: -len(".npz")] + ".metadata.json"
    else:
        raise ValueError(f"{dump_path}: expected a folder of .npy arrays or an .npz file")
    metadata = _metadata(causal_shift, ignore_index, step)  # refused before a file is opened
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(metadata, f)
        f.write("\n")
    os.replace(tmp, path)
    return path


def dump_npy(output_dir, step, arrays, causal_shift, ignore_index=IGNORE_INDEX, folder="eval_outputs"):
    """Write one evaluation as a folder of .npy arrays with its metadata sidecar; returns the folder.

    `arrays` maps names to arrays as the reader knows them: `labels` with `logits` ([batch, seq, vocab] or
    [tokens, vocab]) or `predictions`, optionally `sequence_index` for flat [tokens] arrays. The folder
    appears whole: it is written beside its final name and renamed.
    """
    directory = os.path.join(output_dir, folder)
    os.makedirs(directory, exist_ok=True)
    final = os.path.join(directory, f"step-{int(step)}")
    tmp = os.path.join(directory, f".step-{int(step)}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for name, array in arrays.items():
        np.save(os.path.join(tmp, f"{name}.npy"), np.asarray(array), allow_pickle=False)
    write_metadata(tmp, causal_shift, ignore_index, step)
    if os.path.isdir(final):
        shutil.rmtree(final)
    os.replace(tmp, final)
    return final


def _log_softmax(logits):
    logits = logits.astype(np.float32, copy=False)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def compact_from_logits(logits, labels, causal_shift=True, ignore_index=IGNORE_INDEX):
    """Per-token (labels, predictions, label_logprobs, max_logprobs) from [batch, seq, vocab] logits, with numpy.

    With causal_shift the logits at position t are scored against the label at t + 1 (Hugging Face, TRL).
    Positions whose label is ignore_index keep it as their label; `dump_evaluation` drops them.
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


def flatten_compact(compact, ignore_index=IGNORE_INDEX):
    """The compact arrays as one scored token each: [batch, seq] rows flattened, ignored labels dropped.

    `sequence_index` (int32) gives each token's row, unless the input already has one (flat input keeps it).
    """
    labels = np.asarray(compact["labels"])
    if labels.ndim == 1:
        flat = {name: np.asarray(compact[name]) for name in _COMPACT}
        if "sequence_index" in compact:
            flat["sequence_index"] = np.asarray(compact["sequence_index"])
        else:
            raise ValueError("flat compact arrays need a sequence_index (the sequence each token came from)")
    elif labels.ndim == 2:
        rows = np.broadcast_to(np.arange(labels.shape[0])[:, None], labels.shape)
        flat = {name: np.asarray(compact[name]).reshape(-1) for name in _COMPACT}
        flat["sequence_index"] = rows.reshape(-1)
    else:
        raise ValueError(f"labels have shape {list(labels.shape)}; [batch, seq] or [tokens] is read")
    keep = flat["labels"] != ignore_index
    return {
        "labels": flat["labels"][keep].astype(np.int32),
        "predictions": flat["predictions"][keep].astype(np.int32),
        "label_logprobs": flat["label_logprobs"][keep].astype(np.float32),
        "max_logprobs": flat["max_logprobs"][keep].astype(np.float32),
        "sequence_index": flat["sequence_index"][keep].astype(np.int32),
    }


def dump_evaluation(output_dir, step, compact, ignore_index=IGNORE_INDEX, folder="eval_outputs"):
    """Write one evaluation's compact outputs as eval_outputs/step-<step>.safetensors; returns the path.

    `compact` is what `compact_from_logits` returns ([batch, seq], aligned), or flat scored tokens with a
    `sequence_index`; either way the file holds the scored tokens only, with their sequence index.
    """
    directory = os.path.join(output_dir, folder)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"step-{int(step)}.safetensors")
    metadata = {"causal_shift": "false", "ignore_index": int(ignore_index), "step": int(step), "producer": PRODUCER}
    write_safetensors(path, flatten_compact(compact, ignore_index), metadata)
    return path


class _RandomState:
    """Every generator a forward pass or a data loader may draw from, saved so that training resumes unchanged."""

    def __init__(self, torch):
        self.torch = torch
        self.python = random.getstate()
        self.numpy = np.random.get_state()
        self.cpu = torch.get_rng_state()
        self.cuda = torch.cuda.get_rng_state_all() if torch.cuda.is_available() and torch.cuda.is_initialized() else None

    def restore(self):
        random.setstate(self.python)
        np.random.set_state(self.numpy)
        self.torch.set_rng_state(self.cpu)
        if self.cuda is not None:
            self.torch.cuda.set_rng_state_all(self.cuda)


def _accepts(function, name):
    """Whether `function` takes the keyword `name` (or any keyword): some models' forward takes no use_cache."""
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _no_logits_error(where):
    return ValueError(
        f"Token Accuracy Lens: no [batch, seq, vocab] logits reached {where} (TRL's SFTTrainer with "
        "loss_type='chunked_nll', its default, computes the loss without them). Pass the helper only as a callback, "
        "callbacks=[TokenAccuracyLensDump(output_dir=...)], without preprocess_logits_for_metrics and compute_metrics: "
        "it then runs its own forward pass at each evaluation."
    )


class TokenAccuracyLensDump(_CallbackBase):
    """A Hugging Face Trainer callback: per-token outputs are written at each evaluation.

    As a callback alone, `on_evaluate` runs a forward pass of its own over the evaluation data loader the
    trainer just used. With the hooks also passed to the trainer, `preprocess_logits_for_metrics` shrinks each
    batch's logits to three per-token tensors on the device (the Trainer then gathers [batch, seq] tensors,
    not [batch, seq, vocab]), `compute_metrics` keeps them, and `on_evaluate` writes them without a second pass.
    """

    def __init__(self, output_dir, ignore_index=IGNORE_INDEX, compute_metrics=None):
        self.output_dir = output_dir
        self.ignore_index = ignore_index
        self.user_compute_metrics = compute_metrics
        self.pending = None
        self.written = []

    def on_init_end(self, args, state, control, **kwargs):
        config = getattr(kwargs.get("model"), "config", None)
        if getattr(config, "is_encoder_decoder", False):
            raise ValueError(
                "Token Accuracy Lens: the helper pairs tokens as causal language models do (the logits at position t "
                "are scored against the label at t + 1), which an encoder-decoder model's aligned decoder logits are "
                "not. Write them with dump_evaluation(output_dir, step, compact_from_logits(logits, labels, causal_shift=False))."
            )
        return control

    # The hooks: the trainer's own evaluation loop hands over the logits.

    def preprocess_logits_for_metrics(self, logits, labels):
        import torch  # Only inside the Trainer, where torch is present.

        if isinstance(logits, (tuple, list)):
            logits = logits[0] if len(logits) > 0 else None
        if labels is None:
            raise ValueError("Token Accuracy Lens: the evaluation batches carry no labels; the helper scores the labels the trainer scores.")
        if not isinstance(logits, torch.Tensor) or logits.dim() != 3 or logits.shape[:2] != labels.shape:
            raise _no_logits_error("preprocess_logits_for_metrics")
        predictions, label_logprobs, max_logprobs = self._per_token(logits[:, :-1, :], labels[:, 1:])
        # Padded back to the labels' length so that the Trainer can concatenate batches; the last column is dropped later.
        pad = lambda x, value: torch.nn.functional.pad(x, (0, 1), value=value)  # noqa: E731
        return pad(predictions, self.ignore_index), pad(label_logprobs, 0.0), pad(max_logprobs, 0.0)

    def compute_metrics(self, eval_pred):
        outputs = eval_pred.predictions
        if not isinstance(outputs, (tuple, list)) or len(outputs) != 3:
            raise ValueError(
                "Token Accuracy Lens: compute_metrics got predictions that its preprocess_logits_for_metrics did not "
                "make; pass both hooks to the trainer, or only the callback (callbacks=[dump])."
            )
        predictions, label_logprobs, max_logprobs = (np.asarray(x) for x in outputs)
        labels = np.asarray(eval_pred.label_ids)
        self.pending = flatten_compact(
            {
                "labels": labels[:, 1:],
                "predictions": predictions[:, :-1],
                "label_logprobs": label_logprobs[:, :-1],
                "max_logprobs": max_logprobs[:, :-1],
            },
            self.ignore_index,
        )
        if self.user_compute_metrics is None:
            return {}
        return self.user_compute_metrics(self._user_eval_prediction(eval_pred, predictions))

    @staticmethod
    def _user_eval_prediction(eval_pred, predictions):
        """What the user's compute_metrics receives: argmax ids [batch, seq], as run_clm's argmax preprocessing gives."""
        fields = {"predictions": predictions, "label_ids": eval_pred.label_ids}
        for name in ("inputs", "losses"):
            if getattr(eval_pred, name, None) is not None:
                fields[name] = getattr(eval_pred, name)
        try:
            from transformers import EvalPrediction
        except ImportError:  # pragma: no cover - outside the Trainer
            from types import SimpleNamespace as EvalPrediction
        return EvalPrediction(**fields)

    # The callback.

    def on_evaluate(self, args, state, control, **kwargs):
        compact, self.pending = self.pending, None
        if compact is None:
            compact = self._own_pass(args, kwargs.get("model"), kwargs.get("eval_dataloader"), kwargs.get("metrics"))
        if compact is not None and state.is_world_process_zero:
            self.written.append(dump_evaluation(self.output_dir, state.global_step, compact, self.ignore_index))
        return control

    def _per_token(self, logits, targets):
        import torch

        logprobs = torch.log_softmax(logits.float(), dim=-1)
        safe = targets.masked_fill(targets == self.ignore_index, 0)
        label_logprobs = logprobs.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
        max_logprobs, predictions = logprobs.max(dim=-1)
        return predictions, label_logprobs, max_logprobs

    def _own_pass(self, args, model, dataloader, metrics):
        """A forward pass over the evaluation set, in eval mode without gradients; training resumes unchanged."""
        import torch

        if metrics is not None and "eval_loss" not in metrics and any(k.startswith("eval_") and k.endswith("_loss") for k in metrics):
            warnings.warn("Token Accuracy Lens: one of several named evaluation sets is not dumped (eval_outputs/step-N holds one evaluation set).")
            return None
        if getattr(args, "world_size", 1) > 1:
            raise RuntimeError(
                "Token Accuracy Lens: the helper's own evaluation pass runs in one process. Under distributed "
                "evaluation pass its hooks (preprocess_logits_for_metrics=dump.preprocess_logits_for_metrics, "
                "compute_metrics=dump.compute_metrics) with a loss that returns logits (SFTTrainer: loss_type='nll')."
            )
        if model is None or dataloader is None:
            raise RuntimeError("Token Accuracy Lens: the trainer gave the callback no model or evaluation data loader.")
        saved = _RandomState(torch)
        was_training = model.training
        model.eval()
        parts = []
        sequences = 0
        try:
            with torch.no_grad():
                for batch in dataloader:
                    part, count = self._batch_outputs(model, batch, sequences)
                    parts.append(part)
                    sequences += count
        finally:
            model.train(was_training)
            saved.restore()
        if not parts:
            raise RuntimeError("Token Accuracy Lens: the evaluation data loader gave no batches.")
        return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}

    def _batch_outputs(self, model, batch, first_sequence):
        import torch

        labels = batch.get("labels") if hasattr(batch, "get") else None
        if labels is None:
            raise RuntimeError("Token Accuracy Lens: the evaluation batches carry no `labels`; the helper scores the labels the trainer scores.")
        device = next(model.parameters()).device
        inputs = {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in batch.items() if k not in ("labels", "shift_labels")}
        if getattr(getattr(model, "config", None), "use_cache", None) is not None and _accepts(model.forward, "use_cache"):
            inputs["use_cache"] = False  # No key-value cache is needed for one pass.
        outputs = model(**inputs)
        logits = getattr(outputs, "logits", None)
        if logits is None and isinstance(outputs, (tuple, list)) and outputs:
            logits = outputs[0]
        labels = labels.to(device)
        if not isinstance(logits, torch.Tensor) or logits.dim() != 3 or logits.shape[:2] != labels.shape:
            raise _no_logits_error("the helper's own forward pass (the model's output has no [batch, seq, vocab] logits)")
        targets = labels[:, 1:]
        predictions, label_logprobs, max_logprobs = self._per_token(logits[:, :-1, :], targets)
        # Packed rows (padding-free) hold several sequences, each starting where position_ids restart at 0.
        position_ids = batch.get("position_ids")
        if isinstance(position_ids, torch.Tensor) and "attention_mask" not in batch:
            starts = (position_ids.to(device) == 0).long()
            starts[:, 0] = 1
        else:
            starts = torch.zeros_like(labels)
            starts[:, 0] = 1
        per_row = starts.sum(dim=-1)
        row_base = first_sequence + torch.cumsum(per_row, dim=0) - per_row
        sequence_index = row_base[:, None] + torch.cumsum(starts, dim=-1) - 1
        keep = targets != self.ignore_index
        part = {
            "labels": targets[keep].to(torch.int32),
            "predictions": predictions[keep].to(torch.int32),
            "label_logprobs": label_logprobs[keep].to(torch.float32),
            "max_logprobs": max_logprobs[keep].to(torch.float32),
            "sequence_index": sequence_index[:, 1:][keep].to(torch.int32),
        }
        return {name: value.cpu().numpy() for name, value in part.items()}, int(per_row.sum())
