/** Collects garbage and lets N-API finalizers (which free dropped tensors) run. */
export async function settleGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('settleGc: run node with --expose-gc (vitest.config.ts does)');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}
