"""Loads a Hugging Face export with transformers (and peft) offline, as a user would.

Reads a JSON job from argv[1]:
  dir           the export (config.json, model.safetensors, tokenizer files)
  adapter       optional: a PEFT adapter folder loaded onto `dir` with PeftModel.from_pretrained
  inputs        B rows of T token ids: their logits are returned
  prompt        token ids: 20 greedy tokens are generated after them (no early stop at eos)
  text          a string: encoded with AutoTokenizer
Prints one JSON line: logits (row-major), generated, encoded, the model and tokenizer classes,
the tokenizer's special tokens and model_max_length, and the weights' dtype.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main():
    job = json.loads(sys.argv[1])
    torch.set_num_threads(1)
    model = AutoModelForCausalLM.from_pretrained(job["dir"], local_files_only=True, dtype=torch.float32)
    model_class = type(model).__name__
    if job.get("adapter"):
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, job["adapter"], local_files_only=True)
    model.eval()
    out = {"class": model_class, "dtype": json.load(open(job["dir"] + "/config.json")).get("dtype")}
    with torch.no_grad():
        x = torch.tensor(job["inputs"], dtype=torch.long)
        out["logits"] = model(input_ids=x).logits.float().reshape(-1).tolist()
        if "prompt" in job:
            prompt = torch.tensor([job["prompt"]], dtype=torch.long)
            generated = model.generate(input_ids=prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=20, min_new_tokens=20, do_sample=False, pad_token_id=0)
            out["generated"] = generated[0, prompt.shape[1]:].tolist()
    if "text" in job:
        tokenizer = AutoTokenizer.from_pretrained(job.get("adapter") or job["dir"], local_files_only=True)
        out["tokenizerClass"] = type(tokenizer).__name__
        out["encoded"] = tokenizer(job["text"], add_special_tokens=False)["input_ids"]
        out["eosToken"] = tokenizer.eos_token
        out["padToken"] = tokenizer.pad_token
        out["specialTokens"] = sorted(set(tokenizer.all_special_tokens))
        out["modelMaxLength"] = tokenizer.model_max_length
    print(json.dumps(out))


if __name__ == "__main__":
    main()
