/**
 * Is PyTorch a fair peer? Debian's `python3-torch` links the generic `libblas.so.3`; without OpenBLAS installed
 * that is the netlib reference BLAS, many times slower than OpenBLAS (2.394 against 0.122 for the same LoRA step
 * ratio on one machine). `bench/torch_reference.py` records the BLAS libraries mapped into the process (`blas`);
 * a ratio against the reference BLAS is not printed as a number.
 */

const OPTIMISED = /openblas|mkl|blis|flexiblas|atlas|accelerate|armpl/i;

/** The reference-BLAS libraries when those are all torch has (so ratios are not comparable); else undefined. */
export function referenceBlas(libs: readonly string[] | null | undefined): string[] | undefined {
  if (!libs || libs.length === 0) return undefined; // unknown (e.g. MKL linked statically): nothing to say
  return libs.some((l) => OPTIMISED.test(l)) ? undefined : [...libs];
}

export const notComparable = (libs: readonly string[]): string =>
  `not comparable: torch is using the reference BLAS (${libs.join(', ')}); install OpenBLAS (apt-get install libopenblas0-pthread) for a fair peer`;
