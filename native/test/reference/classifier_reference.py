"""transformers' GPT2ForSequenceClassification as the reference for EGen classifiers.

Reads a JSON job from argv[1]:
  checkpoint  EGen classification checkpoint dir: its model.safetensors (transformer.* with
              nn.Linear's (out, in) layout, score.weight) is loaded into GPT2ForSequenceClassification,
              the Conv1D weights transposed
  inputs      B rows of token ids, ragged; right-padded with padId, which must not occur in them
  padId       config.pad_token_id: the rows are read at their last token that is not padId
  labels      optional: one label per row; then the loss and every gradient are compared with
  inspect     the safetensors inspectGradients wrote (loss, logits, grad/<name>)
  threads     intra-op threads
Prints one JSON line: logits (B * numLabels, row-major), class, and with labels the loss and the
largest |difference| of the logits, the loss and the gradients against `inspect`.
"""
import json
import re
import sys

import torch
from safetensors.torch import load_file
from transformers import GPT2Config, GPT2ForSequenceClassification

CONV1D = re.compile(r"^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$")


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(job.get("threads", 1))
    manifest = json.load(open(f"{job['checkpoint']}/checkpoint.json"))
    c = manifest["model"]
    config = GPT2Config(
        vocab_size=c["vocabSize"], n_positions=c["contextLength"], n_embd=c["nEmbd"], n_layer=c["nLayer"], n_head=c["nHead"],
        activation_function="gelu", layer_norm_epsilon=1e-5, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        num_labels=c["numLabels"], pad_token_id=job["padId"],
    )
    model = GPT2ForSequenceClassification(config)
    weights = {name: (t.t().contiguous() if CONV1D.match(name) else t) for name, t in load_file(f"{job['checkpoint']}/model.safetensors").items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if not m.endswith((".attn.bias", ".attn.masked_bias"))]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit GPT2ForSequenceClassification: missing {missing}, unexpected {unexpected}")
    model.eval()
    rows = job["inputs"]
    width = max(len(r) for r in rows)
    for r in rows:
        if job["padId"] in r:
            raise SystemExit("padId occurs in the inputs")
    x = torch.tensor([r + [job["padId"]] * (width - len(r)) for r in rows], dtype=torch.long)
    out = {"class": type(model).__name__}
    if "labels" not in job:
        with torch.no_grad():
            out["logits"] = model(x).logits.float().reshape(-1).tolist()
        print(json.dumps(out))
        return
    y = torch.tensor(job["labels"], dtype=torch.long)
    result = model(x, labels=y)
    result.loss.backward()
    out["logits"] = result.logits.detach().reshape(-1).tolist()
    out["loss"] = result.loss.item()
    native = load_file(job["inspect"])
    out["maxLogitDiff"] = (native["logits"] - result.logits.detach()).abs().max().item()
    out["lossDiff"] = abs(native["loss"].item() - result.loss.item())
    grads = {}
    for name, p in model.named_parameters():
        g = p.grad.t() if CONV1D.match(name) else p.grad
        key = f"grad/{name}"
        if key not in native:
            raise SystemExit(f"inspectGradients wrote no {key}")
        grads[name] = (native[key] - g).abs().max().item() / max(g.abs().max().item(), 1e-12)
    out["gradRelDiff"] = grads
    print(json.dumps(out))


if __name__ == "__main__":
    main()
