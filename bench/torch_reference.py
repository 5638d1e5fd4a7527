#!/usr/bin/python3
"""PyTorch reference for `npm run bench` (src/commands/bench.ts): the same LLaMA-style model, LoRA and AdamW,
written in plain PyTorch (the math of test/fixtures/make_tiny_llama.py: HF LlamaForCausalLM, eager attention, f32).

Run it with Debian's PyTorch and OpenBLAS, 2 threads (what the bench does):
    OMP_WAIT_POLICY=PASSIVE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \\
        /usr/bin/python3 bench/torch_reference.py kernel [--steps 5] [--warmup 2] [--threads 2]
    ... bench/torch_reference.py facts --job job.json

kernel: median time of a LoRA (r 8 on q_proj and v_proj, alpha 16, AdamW) or (--method full) full fine-tuning step on random weights and random
        tokens (default: the reference config d 256, 4 layers, 4 heads, SwiGLU 688, vocab 2048, batch 16, seq 64).
facts:  the usual way to learn N single facts: one fresh LoRA + AdamW per fact, up to `steps` steps, stopping as soon
        as the step's forward predicts every answer token (teacher forcing), as the TypeScript trainer's earlyStop.
        The job file (written by the bench) holds the model config, the examples and optionally a safetensors file of
        base weights (F32, HF layout), so both sides can train the very same model on the very same token ids.
Prints ONE JSON object on stdout.
"""
import argparse
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

import torch
import torch.nn.functional as F

REFERENCE = {
    "vocab_size": 2048, "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 4,
    "num_attention_heads": 4, "num_key_value_heads": 4, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
    "max_position_embeddings": 64, "tie_word_embeddings": True,
}


def read_safetensors(path):
    """F32 tensors of a safetensors file -> {name: tensor}."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name}: only F32 is supported, got {info['dtype']}")
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(info["shape"]).clone()
    return out


def random_weights(c, seed=0, std=0.02):
    """HF LLaMA init: N(0, std) weights, unit norms; HF layout [out, in]."""
    g = torch.Generator().manual_seed(seed)
    d, i_f = c["hidden_size"], c["intermediate_size"]
    hd = d // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd

    def rnd(*shape):
        return torch.randn(*shape, generator=g) * std

    w = {"model.embed_tokens.weight": rnd(c["vocab_size"], d)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = rnd(q, d)
        w[p + "self_attn.k_proj.weight"] = rnd(kv, d)
        w[p + "self_attn.v_proj.weight"] = rnd(kv, d)
        w[p + "self_attn.o_proj.weight"] = rnd(d, q)
        w[p + "mlp.gate_proj.weight"] = rnd(i_f, d)
        w[p + "mlp.up_proj.weight"] = rnd(i_f, d)
        w[p + "mlp.down_proj.weight"] = rnd(d, i_f)
        w[p + "input_layernorm.weight"] = torch.ones(d)
        w[p + "post_attention_layernorm.weight"] = torch.ones(d)
    w["model.norm.weight"] = torch.ones(d)
    if not c.get("tie_word_embeddings", False):
        w["lm_head.weight"] = rnd(c["vocab_size"], d)
    return w


class Llama:
    """Frozen base weights + LoRA factors (A [r, in], B [out, r], peft layout) on the target projections."""

    def __init__(self, c, w):
        self.c, self.w = c, w
        self.H, self.KV = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        self.hd = c.get("head_dim") or c["hidden_size"] // self.H
        self.eps = c.get("rms_norm_eps", 1e-6)
        theta = c.get("rope_theta", 10000.0)
        P = c.get("max_position_embeddings", 2048)
        inv = 1.0 / (theta ** (torch.arange(0, self.hd, 2).float() / self.hd))
        emb = torch.cat((torch.outer(torch.arange(P).float(), inv),) * 2, dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()
        self.lora = {}
        self.scale = 0.0

    def new_lora(self, r, alpha, targets, seed):
        g = torch.Generator().manual_seed(seed)
        self.lora, self.scale = {}, alpha / r
        for i in range(self.c["num_hidden_layers"]):
            for t in targets:
                name = f"model.layers.{i}.self_attn.{t}"
                out_f, in_f = self.w[name + ".weight"].shape
                bound = 1 / math.sqrt(in_f)  # peft: kaiming_uniform_(a=sqrt(5))
                a = (torch.rand(r, in_f, generator=g) * 2 - 1) * bound
                self.lora[name] = (a.requires_grad_(), torch.zeros(out_f, r, requires_grad=True))
        return [p for ab in self.lora.values() for p in ab]

    def linear(self, name, x):
        y = x @ self.w[name + ".weight"].T
        ab = self.lora.get(name)
        if ab is not None:
            y = y + (x @ ab[0].T @ ab[1].T) * self.scale
        return y

    def rms(self, x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def forward(self, ids, positions=None):
        """ids [B, T] -> logits [B, T, V] (or [M, V] at flat positions)."""
        B, T = ids.shape
        H, KV, hd = self.H, self.KV, self.hd
        x = self.w["model.embed_tokens.weight"][ids]
        cos, sin = self.cos[:T], self.sin[:T]
        mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)

        def rope(t):
            return t * cos + torch.cat((-t[..., hd // 2:], t[..., : hd // 2]), dim=-1) * sin

        for i in range(self.c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = self.rms(x, self.w[p + "input_layernorm.weight"])
            q = rope(self.linear(p + "self_attn.q_proj", h).view(B, T, H, hd).transpose(1, 2))
            k = rope(self.linear(p + "self_attn.k_proj", h).view(B, T, KV, hd).transpose(1, 2))
            v = self.linear(p + "self_attn.v_proj", h).view(B, T, KV, hd).transpose(1, 2)
            if KV != H:
                k = k.repeat_interleave(H // KV, dim=1)
                v = v.repeat_interleave(H // KV, dim=1)
            att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask, dim=-1)
            o = (att @ v).transpose(1, 2).reshape(B, T, H * hd)
            x = x + self.linear(p + "self_attn.o_proj", o)
            h = self.rms(x, self.w[p + "post_attention_layernorm.weight"])
            act = F.silu(self.linear(p + "mlp.gate_proj", h)) * self.linear(p + "mlp.up_proj", h)
            x = x + self.linear(p + "mlp.down_proj", act)
        x = self.rms(x, self.w["model.norm.weight"])
        if positions is not None:
            x = x.reshape(B * T, -1)[positions]
        head = self.w["model.embed_tokens.weight" if self.c.get("tie_word_embeddings") else "lm_head.weight"]
        return x @ head.T


def adamw(params, lr):
    return torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)


def blas_library():
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        return sorted(os.path.basename(x) for x in libs)
    except OSError:
        return []


def info(threads):
    return {
        "torch": torch.__version__, "python": sys.version.split()[0], "threads": threads,
        "blas": blas_library(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
    }


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kernel(args):
    c = dict(REFERENCE)
    if args.config:
        c.update(json.loads(args.config))
    torch.manual_seed(args.seed)
    model = Llama(c, random_weights(c, args.seed))
    B, T = args.batch, args.seq
    ids = torch.randint(4, c["vocab_size"], (B, T), generator=torch.Generator().manual_seed(args.seed + 1))
    if args.method == "full":
        params = [t.requires_grad_() for t in model.w.values()]
    else:
        params = model.new_lora(8, 16, ["q_proj", "v_proj"], args.seed)
    opt = adamw(params, 1e-3)
    times, losses = [], []
    for s in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        logits = model.forward(ids[:, :-1])  # [B, T-1, V]: position t predicts token t+1
        loss = F.cross_entropy(logits.reshape(-1, c["vocab_size"]), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(loss.item())
        if s >= args.warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {
        "mode": "kernel", "method": args.method, "config": c, "batch": B, "seq": T, "warmup": args.warmup, "steps": args.steps,
        "step_seconds": times, "median_step_s": med, "tokens_per_s": B * T / med, "losses": losses,
        "peak_rss_mb": peak_rss_mb(), **info(args.threads),
    }


def facts(args):
    with open(args.job) as f:
        job = json.load(f)
    c = job["config"]
    w = read_safetensors(job["weights"]) if job.get("weights") else random_weights(c, job.get("seed", 0))
    model = Llama(c, w)
    steps, lr, r, alpha = job["steps"], job["lr"], job.get("r", 8), job.get("alpha", 16)
    targets = job.get("targetModules", ["q_proj", "v_proj"])
    learned, steps_run = 0, 0
    t0 = time.perf_counter()
    for n, ex in enumerate(job["examples"]):
        ids = torch.tensor([ex["ids"]])
        a0 = ex["answerStart"]
        positions = torch.arange(a0 - 1, len(ex["ids"]) - 1)
        tgt = ids[0, a0:]
        # "n": the fact's index in the whole workload, when a job holds part of it (the same init as in one run)
        params = model.new_lora(r, alpha, targets, job.get("seed", 0) + ex.get("n", n))
        opt = adamw(params, lr)
        for _ in range(steps):
            logits = model.forward(ids, positions)
            if bool((logits.argmax(-1) == tgt).all()):
                learned += 1  # early stop: this step's forward already predicts the answer
                break
            loss = F.cross_entropy(logits, tgt)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            steps_run += 1
    seconds = time.perf_counter() - t0
    return {
        "mode": "facts", "facts": len(job["examples"]), "seconds": seconds, "learned": learned,
        "optimizer_steps": steps_run, "weights": "file" if job.get("weights") else "random",
        "peak_rss_mb": peak_rss_mb(), **info(args.threads),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["kernel", "facts"])
    ap.add_argument("--method", choices=["lora", "full"], default="lora", help="kernel: LoRA or full fine-tuning")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--config", help="JSON object overriding fields of the reference config")
    ap.add_argument("--job", help="facts: job file written by the bench")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.mode == "facts" and not args.job:
        ap.error("facts needs --job")
    out = kernel(args) if args.mode == "kernel" else facts(args)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
