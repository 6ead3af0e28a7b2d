// Deterministic pseudo-text for training tests and checks (no test-runner imports, so scripts
// such as scripts/gpu-check.ts can use it too).

/** A repeating pattern with noise, so a model can learn something. */
export function syntheticTokens(count: number, vocabSize: number, seed = 1): Uint16Array {
  let state = seed >>> 0;
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 28 < 3 ? (state >>> 8) % vocabSize : (i * 7 + Math.floor(i / 5)) % vocabSize;
  }
  return out;
}
