// predictAsync: the classifiers' forward pass as an inference plan on a worker thread gives
// exactly predict()'s values (yes/no and multi-class), and the event loop runs meanwhile.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { offerRows } from './helpers/boundary.js';
import { repoRoot } from './helpers/dist.js';

describe('predictAsync', () => {
  it('ChurnModel: the same probabilities as predict, for one row and many', async () => {
    const { rows } = await tl.data.readCsv(join(repoRoot, 'data', 'mlc_churn.csv'));
    const model = await tl.presets.ChurnModel.fit(rows.slice(0, 800), { target: 'churn', ensemble: 2, epochs: 3, progress: false });
    const some = rows.slice(1000, 1300);
    expect(await model.predictAsync(some)).toEqual(model.predict(some));
    expect(await model.predictAsync([some[0]])).toEqual(model.predict([some[0]]));
    expect(await model.predictAsync([])).toEqual([]);
    await expect(model.predictAsync([{ state: 'KS' }])).rejects.toThrow(/lacks/);
  }, 60_000);

  it('PropensityModel with several classes: the same labels as predict', async () => {
    const model = await tl.presets.PropensityModel.fit(offerRows(400, 3), { target: 'offer', ensemble: 2, epochs: 5, progress: false });
    const test = offerRows(150, 4);
    expect(await model.predictAsync(test)).toEqual(model.predict(test));
  }, 60_000);
});
