"""The PyTorch side of `npm run bench:train`: an idiomatic eager training loop for the same GPT
(SDPA attention, AdamW, clipping, cosine schedule) on the same token shard and threads.

argv[1]: JSON {checkpoint, shard, steps, warmupSteps (not timed), batchSize, threads, fused,
               device ("cpu" | "cuda"; default "cpu"), precision ("fp32" | "bf16"; default "fp32")}
Prints one JSON line: tokensPerSecond (median over timed steps), stepTimesMs, cpuTimesMs
(process CPU time per step, all threads), losses.

Needs only torch (numpy and safetensors are optional), so it also runs on a bare GPU host.
"""
import contextlib
import json
import math
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "native", "test", "reference"))
from gpt_reference import GPT  # noqa: E402  (the same architecture the reference test checks)

SAFETENSORS_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32}


def load_safetensors(path):
    """A minimal safetensors reader (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = bytearray(data[base + start: base + end])
        out[name] = torch.frombuffer(raw, dtype=SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"]) if raw else torch.empty(info["shape"], dtype=SAFETENSORS_DTYPES[info["dtype"]])
    return out


def load_tokens(shard):
    header = json.load(open(shard + ".json"))
    raw = bytearray(open(shard + ".bin", "rb").read())
    if header["dtype"] == "uint16":
        return torch.frombuffer(raw, dtype=torch.int16).to(torch.int64) & 0xFFFF
    return torch.frombuffer(raw, dtype=torch.int32).to(torch.int64) & 0xFFFFFFFF


def gemm_floor(job):
    """Milliseconds per step for the step's matrix multiplications alone, at the model's shapes
    and the given threads: each linear's forward (addmm) and its two backward products, the tied
    head's three, and attention's batched products. No trainer can take less; the ratio of a
    trainer's step time to this figure is how much room is left."""
    m, B, threads = job["model"], job["batchSize"], job["threads"]
    torch.set_num_threads(threads)
    d, T, V, H = m["nEmbd"], m["contextLength"], m["vocabSize"], m["nHead"]
    M = B * T
    shapes = [(d, 3 * d), (d, d), (d, 4 * d), (4 * d, d)] * m["nLayer"] + [(d, V)]
    ops = []
    for k, n in shapes:
        x, w, b, g = torch.randn(M, k), torch.randn(n, k), torch.randn(n), torch.randn(M, n)
        ops.append(lambda x=x, w=w, b=b, g=g: (torch.addmm(b, x, w.t()), g @ w, g.t() @ x))
    q = torch.randn(B * H, T, d // H)
    p = torch.randn(B * H, T, T)
    for _ in range(m["nLayer"]):
        # Forward: scores and output; backward: four more. Causal kernels can skip the masked
        # half, so count half of the six full products (a floor must not overstate).
        ops.append(lambda q=q, p=p: (q @ q.transpose(1, 2), p @ q, p.transpose(1, 2) @ q))
    times = []
    for rep in range(30):
        t0 = time.perf_counter()
        for op in ops:
            op()
        if rep >= 5:
            times.append((time.perf_counter() - t0) * 1000.0)
    print(json.dumps({"gemmMs": statistics.median(times), "gemmBestMs": min(times)}))


def main():
    job = json.loads(sys.argv[1])
    if job.get("gemmFloor"):
        return gemm_floor(job)
    device = torch.device(job.get("device", "cpu"))
    bf16 = job.get("precision", "fp32") == "bf16"
    torch.set_num_threads(job["threads"])
    torch.manual_seed(0)
    manifest = json.load(open(os.path.join(job["checkpoint"], "checkpoint.json")))
    config = manifest["model"]
    model = GPT(config)
    model.load_state_dict(load_safetensors(os.path.join(job["checkpoint"], "model.safetensors")))
    model.to(device).train()
    tokens = load_tokens(job["shard"])
    T, B = config["contextLength"], job["batchSize"]
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and ".wte." not in n and ".wpe." not in n]
    other = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and ".wte." not in n and ".wpe." not in n)]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=6e-4, betas=(0.9, 0.95), fused=True) if job["fused"] else torch.optim.AdamW(groups, lr=6e-4, betas=(0.9, 0.95))
    generator = torch.Generator().manual_seed(1337)
    total = job["warmupSteps"] + job["steps"]
    times, cpu_times, losses = [], [], []
    for step in range(total):
        t0 = time.perf_counter()
        c0 = time.process_time()
        lr = 6e-4 * (step + 1) / 11 if step < 10 else 6e-5 + 0.5 * (1 + math.cos(math.pi * min(1.0, (step - 10) / max(1, total - 10)))) * (6e-4 - 6e-5)
        for g in optimizer.param_groups:
            g["lr"] = lr
        starts = torch.randint(0, len(tokens) - T - 1, (B,), generator=generator)
        batch = torch.stack([tokens[s: s + T + 1] for s in starts.tolist()])
        x, y = batch[:, :-1].contiguous().to(device), batch[:, 1:].contiguous().to(device)
        autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        with autocast:
            _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())  # a sync point on CUDA: the step is complete when timed
        if step >= job["warmupSteps"]:
            times.append((time.perf_counter() - t0) * 1000.0)
            cpu_times.append((time.process_time() - c0) * 1000.0)
    median = statistics.median(times)
    print(json.dumps({"tokensPerSecond": B * T / (median / 1000.0), "stepTimesMs": times, "cpuTimesMs": cpu_times, "losses": losses}))


if __name__ == "__main__":
    main()
