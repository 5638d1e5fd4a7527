import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { openSafetensors, readSafetensors, writeSafetensors } from '../model/safetensors';
import { type LoraWeights, loraScaling, PeftError, readPeftLora, writePeftLora } from './io';

const LORA = path.join(__dirname, '../../test/fixtures/tiny-lora');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peft-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function copyLora(): string {
  const dir = path.join(tmp, `copy${n++}`);
  fs.cpSync(LORA, dir, { recursive: true });
  return dir;
}
const key = (m: string, ab: string) => `base_model.model.model.layers.0.self_attn.${m}.lora_${ab}.weight`;
const bits = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));
function throwsNaming(fn: () => unknown, parts: string[], re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof PeftError, `not a PeftError: ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks ${p}`);
    assert.match(e.message, re);
    return true;
  });
}

describe('readPeftLora', () => {
  test('reads the PyTorch-written fixture (q_proj, v_proj; r 4, alpha 8)', () => {
    const { config, tensors } = readPeftLora(LORA);
    assert.equal(config.r, 4);
    assert.equal(config.lora_alpha, 8);
    assert.equal(loraScaling(config), 2);
    assert.deepEqual(config.target_modules, ['q_proj', 'v_proj']);
    assert.deepEqual(
      [...tensors.keys()],
      [
        'model.layers.0.self_attn.q_proj',
        'model.layers.0.self_attn.v_proj',
        'model.layers.1.self_attn.q_proj',
        'model.layers.1.self_attn.v_proj',
      ],
    );
    const q = tensors.get('model.layers.0.self_attn.q_proj')!;
    const v = tensors.get('model.layers.1.self_attn.v_proj')!;
    assert.deepEqual([q.inFeatures, q.outFeatures, v.inFeatures, v.outFeatures], [32, 32, 32, 16]);
    const raw = readSafetensors(path.join(LORA, 'adapter_model.safetensors'));
    assert.deepEqual(
      bits(v.B),
      bits(raw.get('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight')!.data),
    );
    assert.ok(v.B.some((x) => x !== 0));
  });

  test('missing file', () => {
    const dir = copyLora();
    fs.rmSync(path.join(dir, 'adapter_model.safetensors'));
    throwsNaming(
      () => readPeftLora(dir),
      [path.join(dir, 'adapter_model.safetensors')],
      /missing; a peft adapter/,
    );
    fs.rmSync(path.join(dir, 'adapter_config.json'));
    throwsNaming(() => readPeftLora(dir), ['adapter_config.json'], /missing/);
  });

  test('wrong peft_type and bad config fields name the field', () => {
    const dir = copyLora();
    const file = path.join(dir, 'adapter_config.json');
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...cfg, peft_type: 'ADALORA' }));
    throwsNaming(() => readPeftLora(dir), [file, '"peft_type"'], /must be "LORA", got "ADALORA"/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, r: 0 }));
    throwsNaming(() => readPeftLora(dir), [file, '"r"'], /positive integer/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, target_modules: '.*proj' }));
    throwsNaming(() => readPeftLora(dir), ['"target_modules"'], /regex strings are not supported/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, rank_pattern: { q_proj: 8 } }));
    throwsNaming(() => readPeftLora(dir), ['"rank_pattern"'], /not supported/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, exclude_modules: '.*q_proj' }));
    throwsNaming(() => readPeftLora(dir), ['"exclude_modules"'], /regex strings are not supported/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, layers_pattern: 'layers' }));
    throwsNaming(() => readPeftLora(dir), ['"layers_pattern"'], /needs layers_to_transform/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, layers_to_transform: [0], layers_pattern: 'h' }));
    throwsNaming(() => readPeftLora(dir), ['"layers_pattern"'], /not a layer container/);
  });

  test("layers_to_transform and exclude_modules are read and applied to the file's tensors", () => {
    const dir = copyLora();
    const file = path.join(dir, 'adapter_config.json');
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...cfg, layers_to_transform: 1 }));
    const weights = path.join(dir, 'adapter_model.safetensors');
    throwsNaming(() => readPeftLora(dir), [weights, key('q_proj', 'A')], /module not in target_modules/);
    fs.writeFileSync(file, JSON.stringify({ ...cfg, exclude_modules: ['layers.1.self_attn.v_proj'] }));
    throwsNaming(
      () => readPeftLora(dir),
      [weights, 'model.layers.1.self_attn.v_proj.lora_A'],
      /module not in target_modules/,
    );
    rewrite(dir, (t) => {
      for (const ab of ['A', 'B'])
        t.delete(`base_model.model.model.layers.1.self_attn.v_proj.lora_${ab}.weight`);
    });
    const { config, tensors } = readPeftLora(dir);
    assert.deepEqual(config.exclude_modules, ['layers.1.self_attn.v_proj']);
    assert.equal(tensors.size, 3);
  });

  function rewrite(
    dir: string,
    edit: (t: Map<string, { shape: number[]; data: Float32Array }>) => void,
  ): string {
    const file = path.join(dir, 'adapter_model.safetensors');
    const t = readSafetensors(file);
    edit(t);
    writeSafetensors(file, t);
    return file;
  }

  test('key not matching the peft pattern', () => {
    const dir = copyLora();
    const file = rewrite(dir, (t) =>
      t.set(
        'base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight',
        t.get(key('q_proj', 'A'))!,
      ),
    );
    throwsNaming(
      () => readPeftLora(dir),
      [file, 'lora_A.default.weight'],
      /key does not match base_model\.model\.<module>/,
    );
  });

  test('shape mismatch with r, unpaired A/B, module outside target_modules', () => {
    let dir = copyLora();
    let file = rewrite(dir, (t) =>
      t.set(key('q_proj', 'A'), { shape: [2, 64], data: new Float32Array(128) }),
    );
    throwsNaming(
      () => readPeftLora(dir),
      [file, key('q_proj', 'A')],
      /shape \[2,64\] but r is 4: expected \[r, in\]/,
    );
    dir = copyLora();
    file = rewrite(dir, (t) => t.set(key('v_proj', 'B'), { shape: [16, 3], data: new Float32Array(48) }));
    throwsNaming(() => readPeftLora(dir), [file, key('v_proj', 'B')], /expected \[out, r\]/);
    dir = copyLora();
    file = rewrite(dir, (t) => t.delete(key('q_proj', 'B')));
    throwsNaming(
      () => readPeftLora(dir),
      [file, key('q_proj', 'B')],
      /missing \(lora_A and lora_B come in pairs\)/,
    );
    dir = copyLora();
    file = rewrite(dir, (t) => t.set(key('k_proj', 'A'), t.get(key('v_proj', 'A'))!));
    throwsNaming(() => readPeftLora(dir), [file, key('k_proj', 'A')], /module not in target_modules/);
  });
});

describe('writePeftLora', () => {
  const { config, tensors } = readPeftLora(LORA);

  test('round trip: write → read gives identical weights and peft key names', () => {
    const dir = path.join(tmp, 'out');
    writePeftLora(dir, { r: 4, lora_alpha: 8, base_model_name_or_path: 'tiny-llama' }, tensors);
    writePeftLora(dir, { r: 4, lora_alpha: 8, base_model_name_or_path: 'tiny-llama' }, tensors); // overwrite
    assert.deepEqual(fs.readdirSync(dir).sort(), ['adapter_config.json', 'adapter_model.safetensors']);
    const back = readPeftLora(dir);
    assert.deepEqual(back.config, config);
    for (const [m, w] of tensors) {
      const b = back.tensors.get(m)!;
      assert.deepEqual(
        [bits(b.A), bits(b.B), b.inFeatures, b.outFeatures],
        [bits(w.A), bits(w.B), w.inFeatures, w.outFeatures],
      );
    }
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'adapter_config.json'), 'utf8'));
    assert.equal(json.peft_type, 'LORA');
    assert.equal(json.task_type, 'CAUSAL_LM');
    assert.equal(json.bias, 'none');
    assert.equal(json.fan_in_fan_out, false);
    assert.deepEqual(json.target_modules, ['q_proj', 'v_proj']);
    const st = openSafetensors(path.join(dir, 'adapter_model.safetensors'));
    assert.deepEqual(st.get(key('v_proj', 'A'))!.shape, [4, 32]);
    assert.deepEqual(st.get(key('v_proj', 'B'))!.shape, [16, 4]);
    assert.deepEqual(st.metadata, { format: 'pt' });
  });

  test('refuses wrong sizes and non-target modules before writing', () => {
    const dir = path.join(tmp, 'never');
    const bad = new Map<string, LoraWeights>(tensors);
    const q = tensors.get('model.layers.0.self_attn.q_proj')!;
    bad.set('model.layers.0.self_attn.q_proj', { ...q, B: new Float32Array(5) });
    throwsNaming(
      () => writePeftLora(dir, { r: 4, lora_alpha: 8 }, bad),
      ['model.layers.0.self_attn.q_proj', 'lora_B'],
      /5 values != out 32 × r 4/,
    );
    throwsNaming(
      () => writePeftLora(dir, { r: 4, lora_alpha: 8, target_modules: ['q_proj'] }, tensors),
      ['model.layers.0.self_attn.v_proj'],
      /not selected by target_modules/,
    );
    assert.ok(!fs.existsSync(dir) && !fs.existsSync(`${dir}.tmp`));
  });
});
