/**
 * Finite-difference gradient check: compares the analytic directional derivative gᵀu of a scalar loss with
 * (L(θ + εu) − L(θ − εu)) / 2ε along a random direction u, for each variable separately.
 */
import * as tf from '@tensorflow/tfjs';
import { normalArray } from '../src/util/random';

export interface GradCheck {
  name: string;
  analytic: number;
  numeric: number;
}

export function checkGradients(
  loss: () => tf.Scalar,
  vars: { name: string; variable: tf.Variable }[],
  eps = 1e-2,
  seed = 7,
): GradCheck[] {
  const { value, grads } = tf.variableGrads(
    loss,
    vars.map((v) => v.variable),
  );
  value.dispose();
  const out: GradCheck[] = [];
  vars.forEach((v, i) => {
    const g = grads[v.variable.name];
    const raw = normalArray(v.variable.size, 1, seed + i);
    const norm = Math.sqrt(raw.reduce((a, x) => a + x * x, 0));
    const u = tf.tensor(
      raw.map((x) => x / norm),
      v.variable.shape,
    ); // unit direction
    const analytic = tf.sum(tf.mul(g, u)).dataSync()[0];
    const orig = v.variable.clone();
    v.variable.assign(tf.add(orig, tf.mul(u, eps)));
    const lp = tf.tidy(() => loss().dataSync()[0]);
    v.variable.assign(tf.sub(orig, tf.mul(u, eps)));
    const lm = tf.tidy(() => loss().dataSync()[0]);
    v.variable.assign(orig);
    tf.dispose([u, orig]);
    out.push({ name: v.name, analytic, numeric: (lp - lm) / (2 * eps) });
  });
  tf.dispose(Object.values(grads));
  return out;
}
