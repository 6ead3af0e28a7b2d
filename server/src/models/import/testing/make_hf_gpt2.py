"""Writes tiny Hugging Face GPT-2 folders with transformers (nothing is downloaded) and their logits.

Reads a JSON list of jobs from argv[1], each:
  dir          folder to write (save_pretrained + the tokenizer)
  activation   activation_function of the config ("gelu" or "gelu_new")
  tokenizer    "json" (tokenizer.json) or "vocab" (vocab.json + merges.txt)
  weights      "safetensors" (model.safetensors) or "bin" (pytorch_model.bin, torch.save of the state dict)
  dtype        "float32", "float16" or "bfloat16": the dtype the weights are saved in
  inputs       B rows of T token ids for the reference logits
Prints one JSON line: per job, the logits (B, T, V) of the saved model in float32 (flattened), the
vocabulary size and the <|endoftext|> id.
"""
import json
import os
import sys

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GPT2Config, GPT2LMHeadModel

CORPUS = [
    "the quick brown fox jumps over the lazy dog",
    "a model that was trained elsewhere comes into EGen as a base model",
    "tokens, weights and a config: everything a GPT-2 folder holds",
] * 20


def train_tokenizer(vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok


def make(job):
    out = job["dir"]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(job.get("seed", 0))
    torch.set_num_threads(1)
    tok = train_tokenizer(job.get("vocabSize", 300))
    vocab_size = tok.get_vocab_size()
    eot = tok.token_to_id("<|endoftext|>")
    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=16,
        n_embd=32,
        n_layer=2,
        n_head=4,
        activation_function=job.get("activation", "gelu"),
        bos_token_id=eot,
        eos_token_id=eot,
    )
    model = GPT2LMHeadModel(config).eval()
    # Biases and layer norms away from their 0/1 initialization, so that a mix-up would show.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias") or ".ln_" in name:
                p.add_(torch.randn_like(p) * 0.1)
    dtype = getattr(torch, job.get("dtype", "float32"))
    if dtype != torch.float32:
        model = model.to(dtype)
    model.save_pretrained(out)
    if job.get("tokenizer", "json") == "json":
        tok.save(os.path.join(out, "tokenizer.json"))
    else:
        tok.model.save(out)  # vocab.json + merges.txt
    # The reference logits come from the saved weights, in float32.
    reference = GPT2LMHeadModel.from_pretrained(out, local_files_only=True, torch_dtype=torch.float32).eval()
    with torch.no_grad():
        logits = reference(torch.tensor(job["inputs"], dtype=torch.long)).logits.float()
    if job.get("weights", "safetensors") == "bin":
        # transformers 5 saves safetensors only; write the classic torch.save state dict instead
        torch.save(model.state_dict(), os.path.join(out, "pytorch_model.bin"))
        os.remove(os.path.join(out, "model.safetensors"))
    return {"logits": logits.reshape(-1).tolist(), "vocabSize": vocab_size, "endOfTextId": eot}


def main():
    print(json.dumps([make(job) for job in json.loads(sys.argv[1])]))


if __name__ == "__main__":
    main()
