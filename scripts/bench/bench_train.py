"""The PyTorch side of `npm run bench:train`: an idiomatic eager training loop for the same GPT
(SDPA attention, AdamW, clipping, cosine schedule) on the same token shard and threads.

argv[1]: JSON {checkpoint, shard, steps, warmupSteps (not timed), batchSize, threads, fused}
Prints one JSON line: tokensPerSecond (median over timed steps), stepTimesMs, cpuTimesMs
(process CPU time per step, all threads), losses.
"""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "native", "test", "reference"))
from gpt_reference import GPT  # noqa: E402  (the same architecture the reference test checks)
from safetensors.torch import load_file  # noqa: E402


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(job["threads"])
    torch.manual_seed(0)
    manifest = json.load(open(os.path.join(job["checkpoint"], "checkpoint.json")))
    config = manifest["model"]
    model = GPT(config)
    model.load_state_dict(load_file(os.path.join(job["checkpoint"], "model.safetensors")))
    model.train()
    header = json.load(open(job["shard"] + ".json"))
    tokens = np.memmap(job["shard"] + ".bin", dtype="<u2" if header["dtype"] == "uint16" else "<u4", mode="r")
    T, B = config["contextLength"], job["batchSize"]
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and ".wte." not in n and ".wpe." not in n]
    other = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and ".wte." not in n and ".wpe." not in n)]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=6e-4, betas=(0.9, 0.95), fused=True) if job["fused"] else torch.optim.AdamW(groups, lr=6e-4, betas=(0.9, 0.95))
    rng = np.random.default_rng(1337)
    total = job["warmupSteps"] + job["steps"]
    times, cpu_times, losses = [], [], []
    for step in range(total):
        t0 = time.perf_counter()
        c0 = time.process_time()
        lr = 6e-4 * (step + 1) / 11 if step < 10 else 6e-5 + 0.5 * (1 + math.cos(math.pi * min(1.0, (step - 10) / max(1, total - 10)))) * (6e-4 - 6e-5)
        for g in optimizer.param_groups:
            g["lr"] = lr
        starts = rng.integers(0, len(tokens) - T - 1, size=B)
        batch = torch.from_numpy(np.stack([tokens[s: s + T + 1].astype(np.int64) for s in starts]))
        x, y = batch[:, :-1].contiguous(), batch[:, 1:].contiguous()
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        if step >= job["warmupSteps"]:
            times.append((time.perf_counter() - t0) * 1000.0)
            cpu_times.append((time.process_time() - c0) * 1000.0)
    median = statistics.median(times)
    print(json.dumps({"tokensPerSecond": B * T / (median / 1000.0), "stepTimesMs": times, "cpuTimesMs": cpu_times, "losses": losses}))


if __name__ == "__main__":
    main()
