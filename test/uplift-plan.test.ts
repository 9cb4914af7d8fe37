// UpliftModel.predict through its inference plans (lib/presets/uplift/uplift-plan.ts) against
// the eager path (learners.ts upliftOf, one network at a time): bit-identical for each learner
// (TARNet, T-learner, class transformation), for a conversion and for a numeric outcome, on
// fresh random rows, one row and many; and through save / load.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { applyCalibration } from '../lib/presets/uplift/fit-uplift.js';
import { featureTensors, upliftOf } from '../lib/presets/uplift/learners.js';
import { UpliftEnsemblePlan } from '../lib/presets/uplift/uplift-plan.js';
import { TEST_SEED, makeRng } from './helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-uplift-plan-'));

function campaign(n: number, rng: () => number, numeric: boolean): tl.data.Row[] {
  const plans = ['basic', 'plus', 'pro'];
  return Array.from({ length: n }, () => {
    const tenure = Math.floor(rng() * 60), spend = 20 + rng() * 80, plan = plans[Math.floor(rng() * 3)];
    const offer = rng() < 0.5 ? 'yes' : 'no';
    const effect = offer === 'yes' ? (plan === 'basic' ? 1 : 0.2) - tenure / 120 : 0;
    const p = 1 / (1 + Math.exp(-(-0.5 + effect + (spend - 60) / 60)));
    return { tenure: String(tenure), spend: spend.toFixed(2), plan, offer, bought: numeric ? (rng() < p ? spend * (0.5 + rng()) : 0).toFixed(2) : rng() < p ? 'yes' : 'no' };
  });
}

/** What predict computed before the plans: every component's networks eagerly, then the same mean and calibration. */
function eager(m: tl.presets.UpliftModel, rows: tl.data.Row[]): number[] {
  const e = m.preprocessor.transform({ rows, columns: [] });
  const [num, catg] = featureTensors(e, m.preprocessor);
  try {
    const each = m.components.map((c) => upliftOf(c.learner, c.members, num, catg, m.outcome.type));
    return Array.from(each[0], (_, i) => applyCalibration(m.calibration, (each.reduce((a, u) => a + u[i], 0) / each.length) * m.scale));
  } finally {
    num.dispose();
    catg.dispose();
  }
}

describe('UpliftModel inference plans', () => {
  for (const numeric of [false, true])
    for (const learner of ['tarnet', 't-learner', 'class-transformation'] as const)
      it(`predicts exactly as the eager networks: ${learner}, ${numeric ? 'numeric outcome' : 'conversion'} (seed ${TEST_SEED})`, async () => {
        const rng = makeRng(TEST_SEED + (numeric ? 10 : 0) + learner.length);
        const m = await tl.presets.UpliftModel.fit(campaign(240, rng, numeric), {
          treatment: 'offer', outcome: 'bought', learner, folds: 3, epochs: 3, seed: 1, onWarning: () => undefined,
        });
        expect(m.components.map((c) => c.learner)).toEqual([learner]);
        const rows = campaign(57, rng, numeric);
        // The plan itself (it must build: predict would otherwise fall back to the eager path).
        const c = m.components[0], e = m.preprocessor.transform({ rows, columns: [] });
        const plan = new UpliftEnsemblePlan(c.learner, c.members, m.preprocessor.numericWidth, m.preprocessor.cardinalities.length, m.outcome.type);
        const [num, catg] = featureTensors(e, m.preprocessor);
        expect(Array.from(plan.run(e.numeric, e.categorical))).toEqual(Array.from(upliftOf(c.learner, c.members, num, catg, m.outcome.type)));
        [plan, num, catg].forEach((x) => x.dispose());
        expect(m.predict(rows)).toEqual(eager(m, rows));
        expect(m.predict([rows[3]])).toEqual(eager(m, [rows[3]]));
        const path = join(dir, `${learner}-${numeric}.safetensors`);
        await m.save(path);
        expect((await tl.presets.UpliftModel.load(path)).predict(rows)).toEqual(m.predict(rows));
      }, 120_000);
});
