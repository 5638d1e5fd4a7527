/**
 * A decoder-only LLaMA-style language model in TensorFlow.js: token embedding, RMSNorm, rotary position embedding
 * (Hugging Face `rotate_half` convention), causal multi-head attention with grouped-query heads, SwiGLU MLP, LM head.
 *
 * Parameters are kept under their Hugging Face names (`model.layers.0.self_attn.q_proj.weight`, …). Linear weights
 * are stored TRANSPOSED, [in, out], so every projection is a plain 2-D `matMul(x, W)`: the only matMul form that
 * reaches XNNPACK on the wasm backend (see gradients.ts). `fromTensors` / `toTensors` convert to and from the HF
 * layout [out, in]. All activations are flat [N, d] with N = B·T between attention blocks (or the Nr real tokens of
 * a right-padded batch, when `lengths` is given: model/packing.ts).
 *
 * PEFT methods plug in through `hooks` (see ForwardHooks) and never edit the model's code.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, normalArray } from '../util/random';
import { leanMemory } from '../util/tensors';
import type { ModelConfig } from './config';
import { transposeLastCached } from './frozen-transposes';
import { gatherRows } from './gradients';
import { rmsNorm, ropeTables } from './layers';
import { Packing } from './packing';
import { headDim, isLinearWeight, parameterShapes } from './shapes';

// re-exported: callers import these from the model module
export { rmsNorm } from './layers';
export {
  ATTN_MODULES,
  headDim,
  linearModuleNames,
  linearShape,
  MLP_MODULES,
  parameterShapes,
} from './shapes';

/** A named tensor in Hugging Face layout, as read from or written to safetensors. */
export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

/** Per-call context handed to hooks. */
export interface ForwardContext {
  batch: number;
  seq: number;
  /** adapter index of each batch row (stacked adapters), length `batch`; undefined = one adapter */
  rowGroups?: number[];
  /**
   * scratch space for hooks (e.g. a block mask built once per forward), shared by the layers: put tensors in kept
   * (`tf.keep`; each layer runs in its own tidy), forward disposes them at its end
   */
  cache: Map<string, tf.Tensor>;
  /** true while training (dropout active) */
  training: boolean;
  /** the packed layout of this forward (ForwardOptions.lengths); hooks always get padded [B·T, ·] tensors */
  packing?: Packing;
}

export interface ForwardHooks {
  /** Called after each linear projection y = x·W of module `name` (e.g. `model.layers.0.self_attn.q_proj`). */
  linear?(name: string, x: tf.Tensor2D, y: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D;
  /**
   * Whether `linear` changes module `name` now (default: every module). Where it does not, the forward keeps y and
   * skips the hook, and with it the padded copies of x and y a packed forward would make for it.
   */
  linearWraps?(name: string): boolean;
  /** Called on a sublayer's output before the residual add (Houlsby adapters). h: [N, d] */
  sublayer?(layer: number, kind: 'attn' | 'mlp', h: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D;
}

export interface ForwardOptions {
  /** [B, T] 1 for real tokens, 0 for padding (left padding for generation); positions follow the mask */
  attentionMask?: tf.Tensor2D;
  /** return per-layer hidden states and the input embeddings */
  outputHidden?: boolean;
  /** flat indices into the N = B·T positions whose logits are wanted; default all (returns [B, T, V]) */
  logitPositions?: tf.Tensor1D;
  rowGroups?: number[];
  training?: boolean;
  /**
   * Real tokens in each row of a right-padded batch (length B; row b holds lengths[b] tokens, then padding). The
   * row-wise work then runs on the real tokens only (model/packing.ts), with the same bits at every real position.
   * Ignored with attentionMask or outputHidden; BEACONS_PACK=0 turns it off.
   */
  lengths?: number[];
}

export interface ForwardOutput {
  /** [B, T, V], or [M, V] when logitPositions is given */
  logits: tf.Tensor;
  /** HF convention: hidden[0] = input embeddings, hidden[i] = output of layer i, the last one after the final norm */
  hidden?: tf.Tensor3D[];
  /** [B, T, d] the input embeddings (= hidden[0]) */
  embeddings?: tf.Tensor3D;
}

export class LlamaModel {
  /** HF name → variable; linear weights [in, out] (transposed from HF) */
  readonly params = new Map<string, tf.Variable>();
  hooks: ForwardHooks = {};
  private readonly ropeCos: tf.Tensor2D; // [maxPos, hd]
  private readonly ropeSin: tf.Tensor2D; // [maxPos, hd]
  private readonly rotate: tf.Tensor2D; // [hd, hd]: x·R = rotate_half(x)
  private readonly causal = new Map<number, tf.Tensor2D>(); // T → [T, T] additive mask

  constructor(
    readonly config: ModelConfig,
    tensors: Map<string, RawTensor>,
  ) {
    const expected = parameterShapes(config);
    for (const [name, shape] of expected) {
      const t = tensors.get(name);
      if (t === undefined) throw new Error(`Model weights: missing tensor '${name}' (shape [${shape}])`);
      if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
        throw new Error(`Model weights: tensor '${name}' has shape [${t.shape}], expected [${shape}]`);
      }
    }
    for (const [name, shape] of expected) {
      const t = tensors.get(name)!;
      const value = tf.tidy(() => {
        const x = tf.tensor(t.data, shape, 'float32');
        return isLinearWeight(name) ? tf.transpose(x) : x;
      });
      this.params.set(name, tf.variable(value, false));
      value.dispose();
    }
    const { cos, sin, rotate } = ropeTables(config);
    this.ropeCos = cos;
    this.ropeSin = sin;
    this.rotate = rotate;
  }

  /** A randomly initialised model (HF LLaMA init: N(0, 0.02) weights, unit norms), deterministic for a seed. */
  static random(config: ModelConfig, seed: number, std = 0.02): LlamaModel {
    const tensors = new Map<string, RawTensor>();
    for (const [name, shape] of parameterShapes(config)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = name.endsWith('norm.weight')
        ? new Float32Array(n).fill(1)
        : normalArray(n, std, deriveSeed(seed, name));
      tensors.set(name, { shape, data });
    }
    return new LlamaModel(config, tensors);
  }

  /** The parameters in HF layout (linear weights [out, in]), read back to the host. */
  async toTensors(): Promise<Map<string, RawTensor>> {
    const out = new Map<string, RawTensor>();
    for (const [name, v] of this.params) {
      const t = isLinearWeight(name) ? tf.transpose(v) : v;
      out.set(name, { shape: t.shape.slice(), data: (await t.data()) as Float32Array });
      if (t !== v) t.dispose();
    }
    return out;
  }

  /** The variable holding `name`; throws if absent. */
  param(name: string): tf.Variable {
    const v = this.params.get(name);
    if (v === undefined) throw new Error(`No parameter '${name}'`);
    return v;
  }

  /** Number of parameters. */
  numParameters(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /**
   * @param ids [B, T] int32 token ids
   */
  forward(ids: tf.Tensor2D, opts: ForwardOptions = {}): ForwardOutput {
    const [B, T] = ids.shape;
    const c = this.config;
    if (T > c.max_position_embeddings) {
      throw new Error(`Sequence length ${T} exceeds max_position_embeddings ${c.max_position_embeddings}`);
    }
    const ctx: ForwardContext = {
      batch: B,
      seq: T,
      rowGroups: opts.rowGroups,
      cache: new Map(),
      training: opts.training ?? false,
    };
    const d = c.hidden_size;
    const N = B * T;
    const packing =
      opts.lengths !== undefined && opts.attentionMask === undefined && !opts.outputHidden
        ? Packing.of(B, T, opts.lengths)
        : undefined;
    ctx.packing = packing;
    let flatIds = ids.reshape([N]) as tf.Tensor1D;
    if (packing) flatIds = tf.gather(flatIds, packing.real); // [Nr]
    // the residual stream: [N, d], or [Nr, d] packed
    let x = gatherRows(this.param('model.embed_tokens.weight'), flatIds);
    const hidden: tf.Tensor3D[] = [];
    const embeddings = opts.outputHidden ? (x.reshape([B, T, d]) as tf.Tensor3D) : undefined;
    if (embeddings) hidden.push(embeddings);

    const { cos, sin } = this.positionTables(B, T, opts.attentionMask, packing); // [N or Nr, 1, hd] each
    const mask = this.attentionBias(B, T, opts.attentionMask); // [B|1, 1, T, T]
    // one layer: [N or Nr, d] → the same. Without hidden states to return, each layer runs in its own tidy, so that
    // what its backward does not need is freed before the next layer (the tape keeps what it saves): less memory,
    // the same kernels (BEACONS_LEAN_MEMORY=0: one scope, src/backend/lean-backprop.ts)
    const layer = (i: number, x0: tf.Tensor2D): tf.Tensor2D => {
      const p = `model.layers.${i}`;
      const hAttn = this.attention(
        i,
        rmsNorm(x0, this.param(`${p}.input_layernorm.weight`), c.rms_norm_eps),
        {
          B,
          T,
          cos,
          sin,
          mask,
          ctx,
        },
      );
      const h: tf.Tensor2D = tf.add(x0, this.sublayer(i, 'attn', hAttn, ctx));
      const hMlp = this.mlp(
        i,
        rmsNorm(h, this.param(`${p}.post_attention_layernorm.weight`), c.rms_norm_eps),
        ctx,
      );
      return tf.add(h, this.sublayer(i, 'mlp', hMlp, ctx));
    };
    try {
      for (let i = 0; i < c.num_hidden_layers; i++) {
        x = opts.outputHidden || !leanMemory() ? layer(i, x) : tf.tidy(() => layer(i, x));
        if (opts.outputHidden && i < c.num_hidden_layers - 1)
          hidden.push(x.reshape([B, T, d]) as tf.Tensor3D);
      }
    } finally {
      // what the hooks shared between layers (kept, so that no layer's tidy frees it; the tape saves its own copies)
      tf.dispose([...ctx.cache.values()]);
      ctx.cache.clear();
    }
    x = rmsNorm(x, this.param('model.norm.weight'), c.rms_norm_eps);
    if (opts.outputHidden) hidden.push(x.reshape([B, T, d]) as tf.Tensor3D);
    if (packing) x = packing.padded(x); // [N, d] (logits are read at real positions)
    const xs = opts.logitPositions ? gatherRows(x, opts.logitPositions) : x; // [M, d]
    const head = c.tie_word_embeddings
      ? transposeLastCached(this.param('model.embed_tokens.weight')) // [d, V] (kept while it is frozen)
      : this.param('lm_head.weight'); // [d, V]
    const logits2d = tf.matMul(xs, head);
    const logits = opts.logitPositions ? logits2d : logits2d.reshape([B, T, c.vocab_size]);
    return opts.outputHidden ? { logits, hidden, embeddings } : { logits };
  }

  /** Forward with ids from JS arrays, returning logits of the last position of each row: [B, V] (no grad). */
  lastLogits(ids: number[][], attentionMask?: number[][], rowGroups?: number[]): tf.Tensor2D {
    return tf.tidy(() => {
      const B = ids.length;
      const T = ids[0].length;
      const idsT = tf.tensor2d(ids.flat(), [B, T], 'int32');
      const maskT = attentionMask ? tf.tensor2d(attentionMask.flat(), [B, T], 'float32') : undefined;
      const pos = tf.tensor1d(
        Array.from({ length: B }, (_, b) => b * T + T - 1),
        'int32',
      );
      return this.forward(idsT, { attentionMask: maskT, logitPositions: pos, rowGroups })
        .logits as tf.Tensor2D;
    });
  }

  /** y = x·W, then the linear hook (which sees padded [N, ·] tensors when the forward is packed). */
  private linear(name: string, x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const y = tf.matMul(x, this.param(`${name}.weight`) as tf.Tensor) as tf.Tensor2D;
    const hook = this.hooks.linear;
    if (hook === undefined || this.hooks.linearWraps?.(name) === false) return y;
    const p = ctx.packing;
    if (p === undefined) return hook(name, x, y, ctx);
    const yPad = p.padded(y);
    const out = hook(name, p.padded(x), yPad, ctx);
    return out === yPad ? y : p.packed(out); // a module the hook leaves alone keeps y
  }

  /** The sublayer hook on a sublayer's output (padded when the forward is packed). */
  private sublayer(layer: number, kind: 'attn' | 'mlp', h: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const hook = this.hooks.sublayer;
    if (hook === undefined) return h;
    const p = ctx.packing;
    if (p === undefined) return hook(layer, kind, h, ctx);
    const hPad = p.padded(h);
    const out = hook(layer, kind, hPad, ctx);
    return out === hPad ? h : p.packed(out);
  }

  private attention(
    layer: number,
    x: tf.Tensor2D,
    a: { B: number; T: number; cos: tf.Tensor; sin: tf.Tensor; mask: tf.Tensor; ctx: ForwardContext },
  ): tf.Tensor2D {
    const c = this.config;
    const { B, T } = a;
    const H = c.num_attention_heads;
    const KV = c.num_key_value_heads;
    const hd = headDim(c);
    const p = `model.layers.${layer}.self_attn`;
    // x: [N, d], or [Nr, d] packed; attention itself runs in the padded layout
    const pack = a.ctx.packing;
    const padded = (t: tf.Tensor, w: number) => (pack ? pack.padded(t.reshape([-1, w]) as tf.Tensor2D) : t);
    const q = padded(this.rope(this.linear(`${p}.q_proj`, x, a.ctx), H, a.cos, a.sin), H * hd); // [N, H·hd]
    const k = padded(this.rope(this.linear(`${p}.k_proj`, x, a.ctx), KV, a.cos, a.sin), KV * hd); // [N, KV·hd]
    const v = padded(this.linear(`${p}.v_proj`, x, a.ctx), KV * hd); // [N, KV·hd]
    const q3 = q
      .reshape([B, T, H, hd])
      .transpose([0, 2, 1, 3])
      .reshape([B * H, T, hd]);
    let kT = k.reshape([B, T, KV, hd]).transpose([0, 2, 3, 1]); // [B, KV, hd, T]
    let v4 = v.reshape([B, T, KV, hd]).transpose([0, 2, 1, 3]); // [B, KV, T, hd]
    if (KV !== H) {
      const rep = H / KV; // query head h uses kv head floor(h / rep), as HF repeat_kv
      // broadcast against ones (tile has no rank-5 gradient in tfjs)
      const ones = tf.ones([1, 1, rep, 1, 1]);
      kT = tf.mul(kT.reshape([B, KV, 1, hd, T]), ones);
      v4 = tf.mul(v4.reshape([B, KV, 1, T, hd]), ones);
    }
    const scores = tf
      .matMul(q3, kT.reshape([B * H, hd, T]))
      .mul(1 / Math.sqrt(hd))
      .reshape([B, H, T, T])
      .add(a.mask); // [B, H, T, T]
    const probs = tf.softmax(scores).reshape([B * H, T, T]);
    const out = tf
      .matMul(probs, v4.reshape([B * H, T, hd])) // [B·H, T, hd]
      .reshape([B, H, T, hd])
      .transpose([0, 2, 1, 3])
      .reshape([B * T, H * hd]) as tf.Tensor2D;
    return this.linear(`${p}.o_proj`, pack ? pack.packed(out) : out, a.ctx);
  }

  private mlp(layer: number, x: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    const p = `model.layers.${layer}.mlp`;
    const gate = this.linear(`${p}.gate_proj`, x, ctx);
    const up = this.linear(`${p}.up_proj`, x, ctx);
    const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as tf.Tensor2D;
    return this.linear(`${p}.down_proj`, act, ctx);
  }

  /** Rotary embedding of projected heads. x: [N, heads·hd] → [N, heads, hd] */
  private rope(x: tf.Tensor2D, heads: number, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor3D {
    const hd = headDim(this.config);
    const N = x.shape[0];
    const rotated = tf.matMul(x.reshape([N * heads, hd]), this.rotate).reshape([N, heads, hd]);
    return tf.add(tf.mul(x.reshape([N, heads, hd]), cos), tf.mul(rotated, sin)) as tf.Tensor3D;
  }

  /** cos/sin per flat position: [N, 1, hd] ([Nr, 1, hd] packed). Positions follow the attention mask (left padding). */
  private positionTables(
    B: number,
    T: number,
    attentionMask?: tf.Tensor2D,
    packing?: Packing,
  ): { cos: tf.Tensor; sin: tf.Tensor } {
    const hd = headDim(this.config);
    if (packing !== undefined) {
      const n = packing.realCount;
      return {
        cos: tf.gather(this.ropeCos, packing.positions).reshape([n, 1, hd]),
        sin: tf.gather(this.ropeSin, packing.positions).reshape([n, 1, hd]),
      };
    }
    if (attentionMask === undefined) {
      const cos = this.ropeCos.slice([0, 0], [T, hd]);
      const sin = this.ropeSin.slice([0, 0], [T, hd]);
      return {
        cos: tf.tile(cos, [B, 1]).reshape([B * T, 1, hd]),
        sin: tf.tile(sin, [B, 1]).reshape([B * T, 1, hd]),
      };
    }
    const pos = tf
      .relu(tf.sub(tf.cumsum(attentionMask, 1), 1))
      .asType('int32')
      .reshape([B * T]) as tf.Tensor1D;
    return {
      cos: tf.gather(this.ropeCos, pos).reshape([B * T, 1, hd]),
      sin: tf.gather(this.ropeSin, pos).reshape([B * T, 1, hd]),
    };
  }

  /** Additive attention bias: causal, plus padded keys masked out. [1 or B, 1, T, T] */
  private attentionBias(B: number, T: number, attentionMask?: tf.Tensor2D): tf.Tensor {
    let causal = this.causal.get(T);
    if (causal === undefined) {
      const m = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
      causal = tf.keep(tf.tensor2d(m, [T, T]));
      this.causal.set(T, causal);
    }
    const bias = causal.reshape([1, 1, T, T]);
    if (attentionMask === undefined) return bias;
    const pad = tf.mul(tf.sub(1, attentionMask), -1e9).reshape([B, 1, 1, T]);
    return tf.add(bias, pad);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    for (const t of this.causal.values()) t.dispose();
    this.causal.clear();
    tf.dispose([this.ropeCos, this.ropeSin, this.rotate]);
  }
}
