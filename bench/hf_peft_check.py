"""Cross-check with the Python stack (run where `transformers` and `peft` are installed, e.g. by bench/gpu.sh on the
GPU machine; CPU is enough):

1. test/fixtures/tiny-llama (2 sharded safetensors + index, written by test/fixtures/make_tiny_llama.py) loads with
   transformers.LlamaForCausalLM and gives the logits our tfjs model gives (expected_logits.json, which
   test/hf-fixture.test.ts checks against tfjs);
2. test/fixtures/tiny-lora-tfjs, an adapter WRITTEN BY OUR CODE (saveLoraAdapter; test/hf-fixture.test.ts checks the
   committed files equal what it writes), loads with peft.PeftModel.from_pretrained and gives the LoRA logits
   (expected_lora_logits.json).
Prints one line per check and exits 1 if any differs by more than 1e-4.
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "test", "fixtures")


def max_diff(model, expected_file, torch):
    ref = json.load(open(expected_file))
    worst = 0.0
    for ids, want in zip(ref["inputs"], ref["logits"]):
        with torch.no_grad():
            got = model(torch.tensor([ids])).logits[0].float()
        worst = max(worst, (got - torch.tensor(want)).abs().max().item())
    return worst


def main():
    try:
        import torch
        from peft import PeftModel
        from transformers import LlamaForCausalLM
    except ImportError as e:
        print(f"hf_peft_check: skipped ({e}); needs torch, transformers and peft")
        return 0
    base = LlamaForCausalLM.from_pretrained(os.path.join(FIX, "tiny-llama"), torch_dtype=torch.float32)
    base.eval()
    d1 = max_diff(base, os.path.join(FIX, "tiny-llama", "expected_logits.json"), torch)
    print(f"transformers LlamaForCausalLM on tiny-llama: max |Δlogit| {d1:.2e}")
    lora = PeftModel.from_pretrained(base, os.path.join(FIX, "tiny-lora-tfjs"))
    lora.eval()
    d2 = max_diff(lora, os.path.join(FIX, "tiny-lora", "expected_lora_logits.json"), torch)
    print(f"peft PeftModel with the adapter written by saveLoraAdapter: max |Δlogit| {d2:.2e}")
    ok = d1 < 1e-4 and d2 < 1e-4
    print("hf_peft_check:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
