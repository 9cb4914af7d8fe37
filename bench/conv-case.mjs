// The conv2d case both the conv suite and the training suite time (N32, 32->64 channels,
// 32x32, 3x3, pad 1), beside PyTorch's same case in torch_peer.py / torch_training.py.
export const CONV_FLOP = 2 * 32 * 64 * 32 * 32 * 32 * 9; // one forward

/** One forward (and with `backward`, the backward too) of the case, as a function to time. */
export function makeConvCase(tl, backward) {
  tl.manualSeed(0);
  const x = tl.randn([32, 32, 32, 32], { requiresGrad: backward }), w = tl.randn([64, 32, 3, 3], { requiresGrad: backward });
  const b = tl.randn([64], { requiresGrad: backward });
  return () => tl.tidy(() => {
    const y = tl.conv2d(x, w, b, { padding: 1 });
    if (backward) {
      y.sum().backward();
      x.zeroGrad();
      w.zeroGrad();
      b.zeroGrad();
    }
  });
}
