"""Loads an exported classifier with transformers (offline) and returns its logits.

Reads a JSON job from argv[1]: dir (the export), inputs (B rows of token ids, ragged). Rows are
right-padded with the config's pad_token_id (which must not occur in them) and run as one batch.
Prints one JSON line: the logits (B * numLabels, row-major), the model class transformers chose and
its config's id2label.
"""
import json
import sys

import torch
from transformers import AutoModelForSequenceClassification


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    model = AutoModelForSequenceClassification.from_pretrained(job["dir"], local_files_only=True)
    model.eval()
    pad = model.config.pad_token_id
    rows = job["inputs"]
    width = max(len(r) for r in rows)
    x = torch.tensor([r + [pad] * (width - len(r)) for r in rows], dtype=torch.long)
    with torch.no_grad():
        logits = model(x).logits.float()  # (B, numLabels)
    print(json.dumps({"logits": logits.reshape(-1).tolist(), "class": type(model).__name__, "id2label": {str(k): v for k, v in model.config.id2label.items()}}))


if __name__ == "__main__":
    main()
