/**
 * Which linear modules a LoRA-family method adapts, with peft's matching rules (tuners_utils
 * check_target_module_exists): a module matches a target name when its full name equals it or ends with
 * `.` + it, so leaf names (`q_proj`) and dotted suffixes (`self_attn.q_proj`) both work; `exclude_modules` removes
 * matches by the same rule; `layers_to_transform` keeps modules of the listed layer indices, found after
 * `layers_pattern` (LLaMA's only layer container is `layers`). Regex (string) targets are not supported.
 */
import type { LlamaModel } from '../model/llama';
import { linearModuleNames } from '../model/llama';

export interface TargetSelection {
  /** module names or dotted suffixes, e.g. ['q_proj', 'mlp.down_proj'] */
  targetModules: string[];
  /** names or suffixes to leave out (peft exclude_modules) */
  excludeModules?: string[];
  /** only these decoder layers (peft layers_to_transform) */
  layersToTransform?: number[];
  /** the layer container's name (peft layers_pattern); only 'layers' exists in LLaMA */
  layersPattern?: string | string[];
}

/** peft's suffix rule: `module` is `target` or ends with `.target`. */
export function matchesModule(module: string, target: string): boolean {
  return module === target || module.endsWith(`.${target}`);
}

/** The model's linear modules selected by `s`, in model order; throws naming the offending field. */
export function selectModules(model: LlamaModel, s: TargetSelection, method = 'LoRA'): string[] {
  const all = linearModuleNames(model.config);
  const fail = (field: string, detail: string) => new Error(`${method} config: ${field}: ${detail}`);
  const { targetModules: targets, excludeModules: exclude = [] } = s;
  if (
    !Array.isArray(targets) ||
    targets.length === 0 ||
    !targets.every((t) => typeof t === 'string' && t !== '')
  )
    throw fail('targetModules', 'must be a non-empty list of module names (regex strings are not supported)');
  const leaves = [...new Set(all.map((m) => m.slice(m.lastIndexOf('.') + 1)))];
  const unknown = targets.filter((t) => !all.some((m) => matchesModule(m, t)));
  if (unknown.length > 0) {
    throw fail(
      'targetModules',
      `${unknown.join(', ')} match no module of the model: choose from ${leaves.join(', ')} or a dotted suffix such as self_attn.q_proj`,
    );
  }
  if (!Array.isArray(exclude) || !exclude.every((t) => typeof t === 'string'))
    throw fail('excludeModules', 'must be a list of module names');
  const patterns = s.layersPattern === undefined ? [] : [s.layersPattern].flat();
  if (patterns.some((p) => p !== 'layers' && p !== 'model.layers')) {
    throw fail(
      'layersPattern',
      `${JSON.stringify(s.layersPattern)} is not a layer container of LLaMA (use 'layers')`,
    );
  }
  const layers = s.layersToTransform;
  const L = model.config.num_hidden_layers;
  if (layers !== undefined) {
    if (
      !Array.isArray(layers) ||
      layers.length === 0 ||
      !layers.every((i) => Number.isInteger(i) && i >= 0 && i < L)
    )
      throw fail(
        'layersToTransform',
        `must be a non-empty list of layer indices in 0..${L - 1}, got ${JSON.stringify(layers)}`,
      );
  } else if (patterns.length > 0) {
    throw fail('layersPattern', 'only applies together with layersToTransform (as in peft)');
  }
  const layerOf = (m: string) => Number(/\.layers\.(\d+)\./.exec(m)?.[1]);
  const chosen = all.filter(
    (m) =>
      targets.some((t) => matchesModule(m, t)) &&
      !exclude.some((e) => matchesModule(m, e)) &&
      (layers === undefined || layers.includes(layerOf(m))),
  );
  if (chosen.length === 0)
    throw fail('targetModules', 'no module is left after excludeModules and layersToTransform');
  return chosen;
}
