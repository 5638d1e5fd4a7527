#!/usr/bin/env python3
"""PyTorch side of bench/gpu.sh: the LoRA train step of src/bench/gpu.ts in PyTorch + Hugging Face peft on CUDA.

    python3 bench/torch_gpu.py [--config reference,llama7b] [--steps 10] [--warmup 3] [--device cuda] [--no-tf32]

Same shapes (BENCH_SHAPES = src/bench/gpu.ts), same step: random-initialised LlamaForCausalLM (f32, SDPA attention),
peft LoRA r 8, alpha 16, dropout 0 on q_proj and v_proj, AdamW lr 1e-3 (no weight decay), random tokens, loss on
every position but the first (labels = input_ids), one host read of the loss per step (as the tfjs trainer with
checkEvery 1). Step time: median over `steps` after `warmup`. Measured in plain fp32 (TF32 off, PyTorch's default
for matmuls: the fair comparison with tfjs's fp32 WGSL) and, unless --no-tf32, again with TF32 on.
When transformers/peft are missing, a plain-PyTorch LLaMA + LoRA with the same math is used ("impl": "plain").
Without CUDA it prints "no CUDA" and a JSON line {"skipped": ...} (exit 0) unless --device cpu is given.
Prints one line: TORCH_GPU_JSON {...}.
"""
import argparse
import json
import math
import statistics
import sys
import time

BENCH_SHAPES = {
    "reference": dict(vocab=2048, d=256, inter=688, layers=4, heads=4, tied=True, batch=16, seq=64),
    "llama7b": dict(vocab=32000, d=4096, inter=11008, layers=2, heads=32, tied=False, batch=4, seq=256),
    "tiny-reference": dict(vocab=256, d=64, inter=172, layers=2, heads=4, tied=True, batch=4, seq=16),
    "tiny-llama7b": dict(vocab=512, d=128, inter=344, layers=2, heads=8, tied=False, batch=2, seq=32),
}
LORA = dict(r=8, alpha=16, targets=["q_proj", "v_proj"])


def emit(obj):
    print("TORCH_GPU_JSON " + json.dumps(obj), flush=True)


def hf_model(torch, s, device):
    """transformers LlamaForCausalLM + peft LoRA, or None when either package is missing."""
    try:
        import peft
        import transformers
        from peft import LoraConfig, get_peft_model
        from transformers import LlamaConfig, LlamaForCausalLM
    except ImportError as e:
        return None, f"{e}"
    cfg = LlamaConfig(
        vocab_size=s["vocab"], hidden_size=s["d"], intermediate_size=s["inter"], num_hidden_layers=s["layers"],
        num_attention_heads=s["heads"], num_key_value_heads=s["heads"], max_position_embeddings=s["seq"],
        rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=s["tied"], use_cache=False,
    )
    cfg._attn_implementation = "sdpa"
    with torch.device(device):
        model = LlamaForCausalLM(cfg).to(torch.float32)
    lcfg = LoraConfig(r=LORA["r"], lora_alpha=LORA["alpha"], lora_dropout=0.0, target_modules=LORA["targets"],
                      task_type="CAUSAL_LM")
    model = get_peft_model(model, lcfg)
    model.train()

    def loss_fn(ids):
        return model(input_ids=ids, labels=ids).loss

    params = [p for p in model.parameters() if p.requires_grad]
    return (loss_fn, params, f"transformers {transformers.__version__}, peft {peft.__version__}"), None


def plain_model(torch, s, device):
    """The same LLaMA + LoRA in plain PyTorch (fallback when transformers/peft are not installed)."""
    import torch.nn.functional as F

    g = torch.Generator(device="cpu").manual_seed(0)
    d, H, V = s["d"], s["heads"], s["vocab"]
    hd = d // H

    def rnd(*shape):
        return (torch.randn(*shape, generator=g) * 0.02).to(device)

    w = {"emb": rnd(V, d), "head": None if s["tied"] else rnd(V, d)}
    layers = []
    lora = []
    for _ in range(s["layers"]):
        L = {k: rnd(*shape) for k, shape in dict(q=(d, d), k=(d, d), v=(d, d), o=(d, d), gate=(s["inter"], d),
                                                  up=(s["inter"], d), down=(d, s["inter"])).items()}
        for t in ("q", "v"):
            bound = 1 / math.sqrt(d)
            a = ((torch.rand(LORA["r"], d, generator=g) * 2 - 1) * bound).to(device).requires_grad_()
            b = torch.zeros(d, LORA["r"], device=device, requires_grad=True)
            L["lora_" + t] = (a, b)
            lora += [a, b]
        layers.append(L)
    scale = LORA["alpha"] / LORA["r"]
    T = s["seq"]
    inv = 1.0 / (10000.0 ** (torch.arange(0, hd, 2, device=device).float() / hd))
    emb = torch.cat((torch.outer(torch.arange(T, device=device).float(), inv),) * 2, dim=-1)
    cos, sin = emb.cos(), emb.sin()

    def rms(x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6)

    def rope(t):
        return t * cos + torch.cat((-t[..., hd // 2:], t[..., : hd // 2]), dim=-1) * sin

    mask = torch.triu(torch.full((T, T), float("-inf"), device=device), diagonal=1)

    def attention(q, k, v):
        if hasattr(F, "scaled_dot_product_attention"):  # PyTorch >= 2.0
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1) @ v

    def lin(L, name, x):
        y = x @ L[name].T
        if "lora_" + name in L:
            a, b = L["lora_" + name]
            y = y + (x @ a.T @ b.T) * scale
        return y

    def loss_fn(ids):
        B = ids.shape[0]
        x = w["emb"][ids]
        for L in layers:
            h = rms(x)
            q = rope(lin(L, "q", h).view(B, T, H, hd).transpose(1, 2))
            k = rope(lin(L, "k", h).view(B, T, H, hd).transpose(1, 2))
            v = lin(L, "v", h).view(B, T, H, hd).transpose(1, 2)
            o = attention(q, k, v).transpose(1, 2).reshape(B, T, d)
            x = x + lin(L, "o", o)
            h = rms(x)
            x = x + lin(L, "down", F.silu(lin(L, "gate", h)) * lin(L, "up", h))
        logits = rms(x)[:, :-1] @ (w["emb"] if w["head"] is None else w["head"]).T
        return F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))

    return loss_fn, lora, "plain PyTorch"


def bench(torch, name, steps, warmup, device, tf32):
    s = BENCH_SHAPES[name]
    torch.manual_seed(0)
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    try:
        built, why = hf_model(torch, s, device)
    except Exception as e:  # an API change in transformers/peft: still measure something
        built, why = None, f"{type(e).__name__}: {e}"
    impl_note = None
    if built is None:
        impl_note = f"transformers/peft unavailable ({why}): plain PyTorch"
        built = plain_model(torch, s, device)
    loss_fn, params, impl = built
    opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    g = torch.Generator(device="cpu").manual_seed(1)
    ids = torch.randint(4, s["vocab"], (s["batch"], s["seq"]), generator=g).to(device)
    times, losses = [], []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        loss = loss_fn(ids)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())  # host read: the step is done
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    out = dict(shape=name, tf32=tf32, impl=impl, batch=s["batch"], seq=s["seq"], stepSeconds=times,
               medianStepS=med, tokensPerS=s["batch"] * s["seq"] / med, firstLoss=losses[0], lastLoss=losses[-1])
    if impl_note:
        out["note"] = impl_note
    del loss_fn, params, opt
    if device == "cuda":
        torch.cuda.empty_cache()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default="reference,llama7b")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--no-tf32", action="store_true")
    a = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"torch_gpu.py: no PyTorch ({e}): skipped", file=sys.stderr)
        emit({"skipped": f"no PyTorch: {e}"})
        return
    if a.device == "cuda" and not torch.cuda.is_available():
        print("torch_gpu.py: no CUDA: PyTorch part skipped", file=sys.stderr)
        emit({"skipped": "no CUDA", "torch": torch.__version__})
        return
    names = [c for c in a.config.split(",") if c]
    for c in names:
        if c not in BENCH_SHAPES:
            sys.exit(f"torch_gpu.py: unknown --config '{c}': {', '.join(BENCH_SHAPES)}")
    device_name = torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu"
    results = []
    for c in names:
        for tf32 in ([False] if a.no_tf32 or a.device == "cpu" else [False, True]):
            try:
                results.append(bench(torch, c, a.steps, a.warmup, a.device, tf32))
            except Exception as e:  # e.g. out of memory: report it, go on with the next shape
                print(f"torch_gpu.py: {c} (tf32={tf32}) failed: {type(e).__name__}: {e}", file=sys.stderr)
                results.append(dict(shape=c, tf32=tf32, error=f"{type(e).__name__}: {e}"))
                if a.device == "cuda":
                    torch.cuda.empty_cache()
    emit({"device": device_name, "torch": torch.__version__, "results": results})


if __name__ == "__main__":
    main()
