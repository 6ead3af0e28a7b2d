"""PyTorch reference for the native GPT (the llm.c test_gpt2 idea, against PyTorch).

Reads a JSON job from argv[1]:
  checkpoint      EGen checkpoint dir; its model.safetensors is loaded into an equivalent
                  idiomatic PyTorch model (same names, nn.Linear layout)
  inspect         safetensors written by the addon's inspectGradients (logits, loss, grad/<name>)
  inputs/targets  the batch inspectGradients saw
  shard           token shard stem (NAME.bin / NAME.json) for the training comparison
  train           {steps, batchSize, lr, minLr, warmup, decaySteps, decay, weightDecay, beta1, beta2, eps, gradClip}
  threads         intra-op threads
Prints one JSON line: max differences of logits, loss and every gradient, and the training losses.
"""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_embd = c["nHead"], c["nEmbd"]
        self.c_attn = nn.Linear(c["nEmbd"], 3 * c["nEmbd"], bias=c["bias"])
        self.c_proj = nn.Linear(c["nEmbd"], c["nEmbd"], bias=c["bias"])

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = nn.Linear(c["nEmbd"], 4 * c["nEmbd"], bias=c["bias"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * c["nEmbd"], c["nEmbd"], bias=c["bias"])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c["nEmbd"], bias=c["bias"])
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c["nEmbd"], bias=c["bias"])
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocabSize"], c["nEmbd"]),
            wpe=nn.Embedding(c["contextLength"], c["nEmbd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["nLayer"])]),
            ln_f=nn.LayerNorm(c["nEmbd"], bias=c["bias"]),
        ))

    def forward(self, idx, targets):
        T = idx.size(1)
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        logits = F.linear(x, self.transformer.wte.weight)  # tied head
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def lr_at(t, step):
    if step < t["warmup"]:
        return t["lr"] * (step + 1) / (t["warmup"] + 1)
    if t["decay"] == "constant":
        return t["lr"]
    if step >= t["decaySteps"]:
        return t["minLr"]
    ratio = (step - t["warmup"]) / (t["decaySteps"] - t["warmup"])
    coeff = 1.0 - ratio if t["decay"] == "linear" else 0.5 * (1.0 + math.cos(math.pi * ratio))
    return t["minLr"] + coeff * (t["lr"] - t["minLr"])


def load_file(path):
    from safetensors.torch import load_file as load  # imported here: the GPU benchmark host may not have it
    return load(path)


def load_model(job):
    manifest = json.load(open(f"{job['checkpoint']}/checkpoint.json"))
    model = GPT(manifest["model"])
    model.load_state_dict(load_file(f"{job['checkpoint']}/model.safetensors"), strict=True)
    return model, manifest["model"]


def main():
    import numpy as np

    job = json.loads(sys.argv[1])
    torch.set_num_threads(job["threads"])
    out = {}

    # 1) logits, loss and every gradient on one batch
    model, config = load_model(job)
    native = load_file(job["inspect"])
    x = torch.tensor(job["inputs"], dtype=torch.long)
    y = torch.tensor(job["targets"], dtype=torch.long)
    logits, loss = model(x, y)
    loss.backward()
    out["maxLogitDiff"] = (logits - native["logits"]).abs().max().item()
    out["lossDiff"] = abs(loss.item() - native["loss"].item())
    grad_diffs = {}
    for name, p in model.named_parameters():
        grad_diffs[name] = (p.grad - native[f"grad/{name}"]).abs().max().item()
    out["gradDiffs"] = grad_diffs
    out["maxGradDiff"] = max(grad_diffs.values())
    out["gradCount"] = len(grad_diffs)

    # 2) AdamW steps with the schedule and clipping, sequential windows from the shard
    model, config = load_model(job)
    t = job["train"]
    header = json.load(open(job["shard"] + ".json"))
    tokens = np.fromfile(job["shard"] + ".bin", dtype="<u2" if header["dtype"] == "uint16" else "<u4").astype(np.int64)
    T = config["contextLength"]
    windows = (len(tokens) - 1) // T
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and ".wte." not in n and ".wpe." not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and ".wte." not in n and ".wpe." not in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": t["weightDecay"]}, {"params": no_decay, "weight_decay": 0.0}],
        lr=t["lr"], betas=(t["beta1"], t["beta2"]), eps=t["eps"], fused=True)
    cursor = 0
    losses, norms = [], []
    for step in range(t["steps"]):
        for g in optimizer.param_groups:
            g["lr"] = lr_at(t, step)
        rows = []
        for _ in range(t["batchSize"]):
            k = cursor % windows
            rows.append(tokens[k * T: k * T + T + 1])
            cursor += 1
        batch = torch.from_numpy(np.stack(rows))
        _, loss = model(batch[:, :-1].contiguous(), batch[:, 1:].contiguous())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), t["gradClip"])
        optimizer.step()
        losses.append(loss.item())
        norms.append(norm.item())
    out["losses"] = losses
    out["gradNorms"] = norms
    print(json.dumps(out))


if __name__ == "__main__":
    main()
