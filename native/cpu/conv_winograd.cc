// Winograd F(4x4, 3x3) (Lavin & Gray 2016, points 0, +-1, +-2): each 4x4 output tile comes
// from a 6x6 input tile as Y = A^T [(G g G^T) . (B^T d B)] A, so the channel contraction is
// 36 GEMMs over tiles with 4x fewer multiplies than direct or im2col convolution.
//
// Layout: tiles are transformed with channels innermost, so every transform is a short
// vectorized loop over channels (NCHW rows are transposed into a padded row buffer first).
// Work is split into blocks of tile rows (spanning images when they are small) sized so the
// transformed input and output of a block stay in L2; blocks run in parallel, and their
// GEMMs single-threaded inside a pool task.
//
// The weight gradient uses the same transforms: dU = sum over tiles of V^T dM, with dM the
// adjoint of the output transform applied to grad_out, then dW = G^T dU G. The input
// gradient is the forward pass itself on grad_out with flipped, transposed weights and
// padding 2 - p (a stride-1 transposed convolution is a full correlation).
#include "conv_winograd.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "../core/parallel.h"
#include "gemm.h"
#include "simd_clones.h"
#include "transpose.h"

namespace tl::cpu {

namespace {

constexpr int64_t kPos = 36;  // 6x6 transformed positions per tile

// One correlation problem: in [n, ci, ih, iw] with a 3x3 kernel and padding ph, pw gives
// out [n, co, oh, ow]; th x tw output tiles per image.
struct Problem {
  int64_t n, ci, co, ih, iw, ph, pw, oh, ow, th, tw;
};

Problem make_problem(int64_t n, int64_t ci, int64_t co, int64_t ih, int64_t iw, int64_t ph, int64_t pw) {
  Problem p{n, ci, co, ih, iw, ph, pw, ih + 2 * ph - 2, iw + 2 * pw - 2, 0, 0};
  p.th = (p.oh + 3) / 4, p.tw = (p.ow + 3) / 4;
  return p;
}

// The transforms below map six (or four) channel vectors, `is` floats apart, to six (or
// four) vectors `os` apart; each is a single vectorizable loop over the n channels. The
// vectors never overlap, but with run-time strides GCC cannot prove it: ivdep says so.

// out_u = sum_r B^T[u][r] in_r.
TL_SIMD_CLONES
void input_transform(const float* __restrict in, int64_t is, float* __restrict out, int64_t os, int64_t n) {
#pragma GCC ivdep
  for (int64_t c = 0; c < n; ++c) {
    const float d0 = in[c], d1 = in[is + c], d2 = in[2 * is + c], d3 = in[3 * is + c], d4 = in[4 * is + c],
                d5 = in[5 * is + c];
    out[c] = 4.0f * d0 - 5.0f * d2 + d4;
    out[os + c] = -4.0f * (d1 + d2) + d3 + d4;
    out[2 * os + c] = 4.0f * (d1 - d2) - d3 + d4;
    out[3 * os + c] = 2.0f * (d3 - d1) - d2 + d4;
    out[4 * os + c] = 2.0f * (d1 - d3) - d2 + d4;
    out[5 * os + c] = 4.0f * d1 - 5.0f * d3 + d5;
  }
}

// out_r = sum_u A^T[r][u] in_u (+ bias): six vectors in, four out.
TL_SIMD_CLONES
void output_transform(const float* __restrict in, int64_t is, float* __restrict out, int64_t os, int64_t n,
                      const float* __restrict bias) {
#pragma GCC ivdep
  for (int64_t c = 0; c < n; ++c) {
    const float m0 = in[c], m1 = in[is + c], m2 = in[2 * is + c], m3 = in[3 * is + c], m4 = in[4 * is + c],
                m5 = in[5 * is + c];
    const float b = bias[c], s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
    out[c] = m0 + s12 + s34 + b;
    out[os + c] = d12 + 2.0f * d34 + b;
    out[2 * os + c] = s12 + 4.0f * s34 + b;
    out[3 * os + c] = d12 + 8.0f * d34 + m5 + b;
  }
}

// The adjoint of output_transform (without bias): out_u = sum_r A^T[r][u] in_r, four in, six out.
TL_SIMD_CLONES
void output_transform_adjoint(const float* __restrict in, int64_t is, float* __restrict out, int64_t os, int64_t n) {
#pragma GCC ivdep
  for (int64_t c = 0; c < n; ++c) {
    const float y0 = in[c], y1 = in[is + c], y2 = in[2 * is + c], y3 = in[3 * is + c];
    out[c] = y0;
    out[os + c] = y0 + y1 + y2 + y3;
    out[2 * os + c] = y0 - y1 + y2 - y3;
    out[3 * os + c] = y0 + 2.0f * y1 + 4.0f * y2 + 8.0f * y3;
    out[4 * os + c] = y0 - 2.0f * y1 + 4.0f * y2 - 8.0f * y3;
    out[5 * os + c] = y3;
  }
}

constexpr float kG[6][3] = {{1.0f / 4, 0, 0},
                            {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                            {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                            {1.0f / 24, 1.0f / 12, 1.0f / 6},
                            {1.0f / 24, -1.0f / 12, 1.0f / 6},
                            {0, 0, 1}};

// out[e][f] = sum_ab G[e][a] k[a][b] G[f][b] for n kernels side by side: k[ab] and out[ef]
// are vectors of n floats, `ks` and `os` apart.
TL_SIMD_CLONES
void kernel_transform(const float* __restrict k, int64_t ks, float* __restrict out, int64_t os, int64_t n) {
  for (int e = 0; e < 6; ++e) {
    const float g0 = kG[e][0], g1 = kG[e][1], g2 = kG[e][2];
    for (int f = 0; f < 6; ++f) {
      const float h0 = kG[f][0], h1 = kG[f][1], h2 = kG[f][2];
      float* __restrict o = out + (e * 6 + f) * os;
#pragma GCC ivdep
      for (int64_t c = 0; c < n; ++c) {
        const float t0 = g0 * k[c] + g1 * k[3 * ks + c] + g2 * k[6 * ks + c];
        const float t1 = g0 * k[ks + c] + g1 * k[4 * ks + c] + g2 * k[7 * ks + c];
        const float t2 = g0 * k[2 * ks + c] + g1 * k[5 * ks + c] + g2 * k[8 * ks + c];
        o[c] = t0 * h0 + t1 * h1 + t2 * h2;
      }
    }
  }
}

// The adjoint: out[ab] = sum_ef G[e][a] d[e][f] G[f][b], d[ef] and out[ab] vectors of n.
TL_SIMD_CLONES
void kernel_transform_adjoint(const float* __restrict d, int64_t ds, float* __restrict out, int64_t os, int64_t n) {
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      float* __restrict o = out + (a * 3 + b) * os;
      for (int64_t c = 0; c < n; ++c) o[c] = 0.0f;
      for (int e = 0; e < 6; ++e)
        for (int f = 0; f < 6; ++f) {
          const float coef = kG[e][a] * kG[f][b];
          if (coef == 0.0f) continue;
          const float* __restrict src = d + (e * 6 + f) * ds;
#pragma GCC ivdep
          for (int64_t c = 0; c < n; ++c) o[c] += coef * src[c];
        }
    }
}

// U[e][ci][co] = (G g G^T)[e] for each kernel g of the problem. The problem's kernel (o, i)
// is w[o][i] as stored, or, for the input gradient (flip), w[i][o] rotated by 180 degrees.
// Vectorized over o: the kernels of one input channel are gathered into k[9][co] first.
void transform_weights(const Problem& p, const float* w, bool flip, float* u) {
  parallel_for(0, p.ci, 1, [&](int64_t lo, int64_t hi) {
    std::unique_ptr<float[]> k(new float[size_t(9 * p.co)]);
    for (int64_t i = lo; i < hi; ++i) {
      for (int64_t o = 0; o < p.co; ++o)
        for (int ab = 0; ab < 9; ++ab)
          k[size_t(ab * p.co + o)] = flip ? w[(i * p.co + o) * 9 + 8 - ab] : w[(o * p.ci + i) * 9 + ab];
      kernel_transform(k.get(), p.co, u + i * p.co, p.ci * p.co, p.co);
    }
  });
}

// Tile rows per block: the block's transformed input and output (36 x tiles x channels)
// within ~1 MB (one L2 here), yet at least two blocks per thread when there is work. The
// GEMMs' M is the block's tile count: 512 KB blocks (32 tiles at 32 -> 64 channels) made
// all three passes 15-30% slower, 2 MB ones no faster.
int64_t rows_per_block(const Problem& p, int64_t channels_per_tile) {
  const int64_t tiles = std::max<int64_t>(1, (int64_t(1024) << 10) / (kPos * 4 * channels_per_tile));
  const int64_t total = p.n * p.th, spread = (total + 2 * num_threads() - 1) / (2 * num_threads());
  return std::max<int64_t>(1, std::min({tiles / p.tw, spread, total}));
}

// Per-task scratch, uninitialized (every element is written before it is read).
struct Scratch {
  std::unique_ptr<float[]> mem;
  float *rows, *tmp, *v, *m, *q;
  Scratch(const Problem& p, int64_t tiles) {
    const int64_t c = std::max(p.ci, p.co), row_w = p.tw * 4 + 2;
    const int64_t sizes[] = {6 * row_w * p.ci, kPos * c, kPos * tiles * p.ci, kPos * tiles * p.co, 4 * row_w * p.co};
    int64_t total = 0;
    for (int64_t s : sizes) total += s;
    mem.reset(new float[size_t(total)]);
    rows = mem.get(), tmp = rows + sizes[0], v = tmp + sizes[1], m = v + sizes[2], q = m + sizes[3];
  }
};

// Loads input rows 4 * ti - ph .. + 5 of image img as rows[6][tw * 4 + 2][ci], zero outside.
void load_input_rows(const Problem& p, const float* in, int64_t img, int64_t ti, float* rows) {
  const int64_t row_w = p.tw * 4 + 2;  // >= iw + 2 * pw, as tw * 4 >= ow
  for (int64_t r = 0; r < 6; ++r) {
    const int64_t y = 4 * ti + r - p.ph;
    float* dst = rows + r * row_w * p.ci;
    if (y < 0 || y >= p.ih) {
      std::memset(dst, 0, size_t(row_w * p.ci) * sizeof(float));
      continue;
    }
    std::memset(dst, 0, size_t(p.pw * p.ci) * sizeof(float));
    std::memset(dst + (p.pw + p.iw) * p.ci, 0, size_t((row_w - p.pw - p.iw) * p.ci) * sizeof(float));
    transpose(in + (img * p.ci * p.ih + y) * p.iw, p.ih * p.iw, dst + p.pw * p.ci, p.ci, p.ci, p.iw);
  }
}

// V[e][t][ci] for the tiles of one tile row, t = t0 + j.
void transform_input_row(const Problem& p, const float* rows, int64_t t0, int64_t tiles, float* tmp, float* v) {
  const int64_t row_w = p.tw * 4 + 2, ci = p.ci;
  for (int64_t j = 0; j < p.tw; ++j) {
    for (int64_t s = 0; s < 6; ++s) input_transform(rows + (4 * j + s) * ci, row_w * ci, tmp + s * ci, 6 * ci, ci);
    for (int64_t u = 0; u < 6; ++u)
      input_transform(tmp + u * 6 * ci, ci, v + (u * 6 * tiles + t0 + j) * ci, tiles * ci, ci);
  }
}

// Output rows 4 * ti .. + 3 of image img from M[e][t][co]: transformed into q[4][tw * 4][co],
// then transposed into the NCHW output (partial tiles at the border are clipped).
void store_output_row(const Problem& p, const float* m, int64_t t0, int64_t tiles, const float* bias,
                      const float* zeros, float* tmp, float* q, int64_t img, int64_t ti, float* out) {
  const int64_t co = p.co, qw = p.tw * 4;
  for (int64_t j = 0; j < p.tw; ++j) {
    for (int64_t v = 0; v < 6; ++v)
      output_transform(m + (v * tiles + t0 + j) * co, 6 * tiles * co, tmp + v * co, 6 * co, co, zeros);
    for (int64_t r = 0; r < 4; ++r) output_transform(tmp + r * 6 * co, co, q + (r * qw + 4 * j) * co, co, co, bias);
  }
  const int64_t rows = std::min<int64_t>(4, p.oh - 4 * ti);
  for (int64_t r = 0; r < rows; ++r)
    transpose(q + r * qw * co, co, out + (img * co * p.oh + 4 * ti + r) * p.ow, p.oh * p.ow, p.ow, co);
}

// dM[e][t][co] for one tile row from grad_out rows 4 * ti .. + 3 (zero beyond the output).
void transform_grad_row(const Problem& p, const float* grad_out, int64_t img, int64_t ti, int64_t t0, int64_t tiles,
                        float* q, float* tmp, float* dm) {
  const int64_t co = p.co, qw = p.tw * 4, rows = std::min<int64_t>(4, p.oh - 4 * ti);
  for (int64_t r = 0; r < 4; ++r) {
    float* dst = q + r * qw * co;
    if (r >= rows) {
      std::memset(dst, 0, size_t(qw * co) * sizeof(float));
      continue;
    }
    transpose(grad_out + (img * co * p.oh + 4 * ti + r) * p.ow, p.oh * p.ow, dst, co, co, p.ow);
    std::memset(dst + p.ow * co, 0, size_t((qw - p.ow) * co) * sizeof(float));
  }
  for (int64_t j = 0; j < p.tw; ++j) {
    for (int64_t s = 0; s < 4; ++s) output_transform_adjoint(q + (4 * j + s) * co, qw * co, tmp + s * co, 4 * co, co);
    for (int64_t u = 0; u < 6; ++u)
      output_transform_adjoint(tmp + u * 4 * co, co, dm + (u * 6 * tiles + t0 + j) * co, tiles * co, co);
  }
}

void run_forward(const Problem& p, const float* in, const float* u, const float* bias, float* out) {
  const int64_t per = rows_per_block(p, p.ci + p.co), total = p.n * p.th, blocks = (total + per - 1) / per;
  std::unique_ptr<float[]> zeros(new float[size_t(p.co)]());
  const float* b = bias ? bias : zeros.get();
  parallel_for(0, blocks, 1, [&](int64_t lo, int64_t hi) {
    Scratch s(p, per * p.tw);
    for (int64_t blk = lo; blk < hi; ++blk) {
      const int64_t r0 = blk * per, r1 = std::min(total, r0 + per), tiles = (r1 - r0) * p.tw;
      for (int64_t r = r0; r < r1; ++r) {
        load_input_rows(p, in, r / p.th, r % p.th, s.rows);
        transform_input_row(p, s.rows, (r - r0) * p.tw, tiles, s.tmp, s.v);
      }
      for (int64_t e = 0; e < kPos; ++e)
        sgemm(tiles, p.co, p.ci, 1.0f, s.v + e * tiles * p.ci, p.ci, 1, u + e * p.ci * p.co, p.co, 1, 0.0f,
              s.m + e * tiles * p.co, p.co);
      for (int64_t r = r0; r < r1; ++r)
        store_output_row(p, s.m, (r - r0) * p.tw, tiles, b, zeros.get(), s.tmp, s.q, r / p.th, r % p.th, out);
    }
  });
}

}  // namespace

bool winograd_applies(const Conv2dGeometry& g) {
  // Measured on one core beside im2col: at 8 channels the two tie on the forward and the
  // weight gradient is 40% slower; from 16 channels all three passes are 1.4-2.7x faster.
  // Below 64 outputs per channel the fixed costs (weight transforms) dominate.
  return g.kh == 3 && g.kw == 3 && g.stride_h == 1 && g.stride_w == 1 && g.dil_h == 1 && g.dil_w == 1 &&
         g.groups == 1 && g.pad_h <= 2 && g.pad_w <= 2 && g.c_in >= 16 && g.c_out >= 16 &&
         g.n * g.h_out * g.w_out >= 64;
}

void winograd_conv2d(const Conv2dGeometry& g, const float* x, const float* w, const float* bias, float* out) {
  const Problem p = make_problem(g.n, g.c_in, g.c_out, g.h, g.w, g.pad_h, g.pad_w);
  std::unique_ptr<float[]> u(new float[size_t(kPos * p.ci * p.co)]);
  transform_weights(p, w, false, u.get());
  run_forward(p, x, u.get(), bias, out);
}

void winograd_backward_input(const Conv2dGeometry& g, const float* grad_out, const float* w, float* grad_x) {
  const Problem p = make_problem(g.n, g.c_out, g.c_in, g.h_out, g.w_out, 2 - g.pad_h, 2 - g.pad_w);
  std::unique_ptr<float[]> u(new float[size_t(kPos * p.ci * p.co)]);
  transform_weights(p, w, true, u.get());
  run_forward(p, grad_out, u.get(), nullptr, grad_x);
}

void winograd_backward_weight(const Conv2dGeometry& g, const float* grad_out, const float* x, float* grad_w) {
  const Problem p = make_problem(g.n, g.c_in, g.c_out, g.h, g.w, g.pad_h, g.pad_w);
  const int64_t per = rows_per_block(p, p.ci + p.co), total = p.n * p.th, blocks = (total + per - 1) / per;
  // One dU accumulator per task (summed below in a fixed order: results do not depend on
  // scheduling). A few tasks per thread let a thread that keeps its core take over the work
  // of one that lost it (this machine is shared); the accumulators are capped at ~32 MB.
  const int64_t usize = kPos * p.ci * p.co;
  const int64_t by_memory = std::max<int64_t>(num_threads(), (int64_t(32) << 20) / (usize * 4));
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>({4 * num_threads(), blocks, by_memory}));
  const int64_t blocks_per_task = (blocks + tasks - 1) / tasks;
  std::unique_ptr<float[]> acc(new float[size_t(tasks * usize)]());
  parallel_tasks(tasks, [&](int64_t task) {
    Scratch s(p, per * p.tw);
    float* du = acc.get() + task * usize;
    for (int64_t blk = task * blocks_per_task; blk < std::min(blocks, (task + 1) * blocks_per_task); ++blk) {
      const int64_t r0 = blk * per, r1 = std::min(total, r0 + per), tiles = (r1 - r0) * p.tw;
      for (int64_t r = r0; r < r1; ++r) {
        load_input_rows(p, x, r / p.th, r % p.th, s.rows);
        transform_input_row(p, s.rows, (r - r0) * p.tw, tiles, s.tmp, s.v);
        transform_grad_row(p, grad_out, r / p.th, r % p.th, (r - r0) * p.tw, tiles, s.q, s.tmp, s.m);
      }
      // dU_e [ci, co] += V_e^T [ci, tiles] * dM_e [tiles, co]
      for (int64_t e = 0; e < kPos; ++e)
        sgemm(p.ci, p.co, tiles, 1.0f, s.v + e * tiles * p.ci, 1, p.ci, s.m + e * tiles * p.co, p.co, 1, 1.0f,
              du + e * p.ci * p.co, p.co);
    }
  });
  for (int64_t t = 1; t < tasks; ++t)
    for (int64_t i = 0; i < usize; ++i) acc[size_t(i)] += acc[size_t(t * usize + i)];
  // dW[o][i] = G^T dU[o][i] G, vectorized over o, then scattered into [co][ci][3][3].
  const float* du = acc.get();
  parallel_for(0, p.ci, 1, [&](int64_t lo, int64_t hi) {
    std::unique_ptr<float[]> k(new float[size_t(9 * p.co)]);
    for (int64_t i = lo; i < hi; ++i) {
      kernel_transform_adjoint(du + i * p.co, p.ci * p.co, k.get(), p.co, p.co);
      for (int64_t o = 0; o < p.co; ++o)
        for (int ab = 0; ab < 9; ++ab) grad_w[(o * p.ci + i) * 9 + ab] = k[size_t(ab * p.co + o)];
    }
  });
}

}  // namespace tl::cpu
