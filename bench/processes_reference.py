"""The references the whole-process benchmark times beside the CLI: what a user would otherwise run.

eventaccumulator <file>: TensorBoard's own EventAccumulator (no TensorFlow), every scalar kept.
jsonl <file>: Python's json, a line at a time, every number kept per key.
trainer_state <file>: Python's json.load of the whole file.
Each prints how many points it kept, so the benchmark can check the two sides read the same.
"""

import json
import sys


def event_accumulator(path):
    from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

    accumulator = EventAccumulator(path, size_guidance={SCALARS: 0})
    accumulator.Reload()
    return sum(len(accumulator.Scalars(tag)) for tag in accumulator.Tags()["scalars"])


def jsonl(path):
    series = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            step = record.get("step")
            for key, value in record.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    series.setdefault(key, []).append((step, value))
    return sum(len(points) for points in series.values())


def trainer_state(path):
    with open(path, encoding="utf-8") as file:
        state = json.load(file)
    return sum(len(entry) for entry in state["log_history"])


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    print({"eventaccumulator": event_accumulator, "jsonl": jsonl, "trainer_state": trainer_state}[mode](path))
