// Text presets learning from unlabelled texts (`unlabelled` in fit: the latent-semantic member
// of the blend). A generated corpus shows the mechanism itself: two groups of 1,000 words and
// 40 labelled texts of 6, so most words of a new text were never labelled, while 3,000
// unlabelled texts show which words keep company. Real reviews (the bundled sample) check it does not hurt there;
// then the save/load round trip, several classes, the CLI, and inputs that must be refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { readCsv } from '../lib/data/csv.js';
import { IntentClassifier } from '../lib/presets/intent.js';
import { SentimentModel } from '../lib/presets/sentiment.js';
import { TextLsa } from '../lib/presets/text-lsa.js';
import { LSA_MAX_TEXTS, lsaPool } from '../lib/presets/text-linear-fit.js';
import { TEST_SEED, makeRng } from './helpers/random.js';
import { errorLines, runCli, tempDir } from './helpers/boundary.js';

const t = tempDir('text-unlabelled');
const rng = makeRng(TEST_SEED);
const fixture = new URL('./fixtures/fine_foods_small.csv', import.meta.url).pathname;

/** Random letter strings: no shared spelling, so neither subwords nor lexicons tell the groups apart. */
const randomWords = (n: number) => Array.from({ length: n }, () => Array.from({ length: 7 }, () => String.fromCharCode(97 + Math.floor(rng() * 26))).join(''));

/** n texts of 6 words of one group each (the groups in turn), labelled by their group. */
function corpus(groups: string[][], labels: string[], n: number): { text: string; label: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const g = i % groups.length;
    const words = Array.from({ length: 6 }, () => groups[g][Math.floor(rng() * groups[g].length)]);
    return { text: words.join(' '), label: labels[g] };
  });
}

describe(`unlabelled texts (seed ${TEST_SEED})`, () => {
  const groups = [randomWords(1000), randomWords(1000)];
  const labelled = corpus(groups, ['bad', 'good'], 40);
  const unlabelled = corpus(groups, ['bad', 'good'], 3000).map((r) => r.text);
  const test = corpus(groups, ['bad', 'good'], 200);
  let model: SentimentModel;

  it('scores words no label has seen through the company they keep in unlabelled texts', async () => {
    const alone = await SentimentModel.fit(labelled, { text: 'text', target: 'label', positive: 'good' });
    model = await SentimentModel.fit(labelled, { text: 'text', target: 'label', positive: 'good', unlabelled });
    const a = await alone.evaluate(test), b = await model.evaluate(test);
    // Measured over seeds: alone 0.87-0.90, with the unlabelled texts 0.988-1.
    expect(b.auc!).toBeGreaterThan(0.97);
    expect(b.auc!).toBeGreaterThan(a.auc! + 0.04);
    expect(b.accuracy).toBeGreaterThan(0.85);
    expect(model.linears.some((m) => m instanceof TextLsa)).toBe(true);
    expect(model.describe()).toMatch(/latent semantic features \(\d+ dimensions learned with the unlabelled texts; C \d+\)/);
  }, 120_000);

  it('predicts the same after save and load', async () => {
    const path = t.path('lsa.safetensors');
    await model.save(path);
    const again = (await tl.load(path)) as SentimentModel;
    expect(again.linears.some((m) => m instanceof TextLsa)).toBe(true);
    expect(again.predictProba(test)).toEqual(model.predictProba(test));
    expect(again.predict(test.map((r) => r.text))).toEqual(model.predict(test.map((r) => r.text)));
    // Texts of no known word: the latent vector is zero and the member adds its bias only.
    expect(again.predict(['', 'zzzz qqqq', '😀'.repeat(50)]).every((p) => typeof p === 'number' && p > 0 && p < 1)).toBe(true);
  });

  it('works with several classes, unlabelled rows or a file, for IntentClassifier', async () => {
    const three = [...groups, randomWords(1000)], names = ['pricing', 'support', 'demo'];
    const rows = corpus(three, names, 60), pool = corpus(three, names, 3000), held = corpus(three, names, 150);
    const file = t.file('pool.csv', `text\n${pool.map((r) => r.text).join('\n')}\n`);
    const bot = await IntentClassifier.fit(rows, { text: 'text', target: 'label', unlabelled: file });
    const p = bot.predict(held, { threshold: 0 });
    const hits = p.filter((x, i) => x.intent === held[i].label).length;
    expect(hits / held.length).toBeGreaterThan(0.85);
    const fromRows = await IntentClassifier.fit(rows, { text: 'text', target: 'label', unlabelled: pool.map(({ text }) => ({ text })) });
    expect(fromRows.predictProba(held)).toEqual(bot.predictProba(held));
  }, 120_000);

  it('does not hurt on real reviews (bundled sample, 200 labelled, 600 unlabelled)', async () => {
    const { rows } = await readCsv(fixture);
    const train = rows.filter((r) => r.split === 'train'), test2 = rows.filter((r) => r.split === 'test');
    const lab = train.filter((_, i) => i % 4 === 0), rest = train.filter((_, i) => i % 4 !== 0).map((r) => String(r.review));
    const a = await SentimentModel.fit(lab, { text: 'review', target: 'score' });
    const b = await SentimentModel.fit(lab, { text: 'review', target: 'score', unlabelled: rest });
    // The blend keeps the member only where the folds say it helps: never much worse.
    expect((await b.evaluate(test2)).auc!).toBeGreaterThan((await a.evaluate(test2)).auc! - 0.01);
  }, 120_000);

  it('trains from the CLI with --unlabelled', async () => {
    const train = t.file('train.csv', `text,label\n${labelled.map((r) => `${r.text},${r.label}`).join('\n')}\n`);
    const pool = t.file('more.csv', `id,text\n${unlabelled.slice(0, 800).map((x, i) => `${i},${x}`).join('\n')}\n`);
    const out = t.path('cli.safetensors');
    const r = await runCli(['train', 'sentiment', '--data', train, '--text', 'text', '--target', 'label', '--positive', 'good', '--unlabelled', pool, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const m = (await tl.load(out)) as SentimentModel;
    expect(m.linears.some((x) => x instanceof TextLsa)).toBe(true);
    const bad = await runCli(['train', 'sentiment', '--data', train, '--text', 'text', '--target', 'label', '--unlabelled', t.path('missing.csv'), '--out', t.path('x.safetensors')]);
    expect(bad.code).not.toBe(0);
    expect(errorLines(bad)).toEqual([expect.stringMatching(/^tensorlift: --unlabelled: cannot read .*missing\.csv: no such file/)]);
    // Checked before training, like --data: the model may not be saved over the texts.
    const over = await runCli(['train', 'sentiment', '--data', train, '--text', 'text', '--target', 'label', '--unlabelled', pool, '--out', pool]);
    expect(errorLines(over)).toEqual([expect.stringMatching(/--out .*more\.csv is the same file as --unlabelled/)]);
    expect(readFileSync(pool, 'utf8')).toMatch(/^id,text\n/);
  }, 120_000);

  it('reads at most LSA_MAX_TEXTS texts: a seeded sample, in the order given', () => {
    const many = Array.from({ length: LSA_MAX_TEXTS + 500 }, (_, i) => i);
    expect(lsaPool(many.slice(0, 100), 1000, 1)).toEqual(many.slice(0, 100));
    const a = lsaPool(many, 1000, 1);
    expect(a).toHaveLength(LSA_MAX_TEXTS - 1000);
    expect(a).toEqual(lsaPool(many, 1000, 1));
    expect(a).not.toEqual(lsaPool(many, 1000, 2));
    expect(a.every((v, i) => i === 0 || v > a[i - 1])).toBe(true);
  });

  it('refuses unlabelled data it cannot use, naming what was wrong', async () => {
    const fit = (unlabelledData: unknown, extra = {}) => SentimentModel.fit(labelled, { text: 'text', target: 'label', ensemble: 2, unlabelled: unlabelledData as never, ...extra });
    await expect(fit(unlabelled, { linear: false })).rejects.toThrow(/unlabelled texts feed a member of the blend, and linear: false/);
    await expect(fit([{ body: 'x' }])).rejects.toThrow(/the unlabelled texts have no column 'text'/);
    await expect(fit(['', '  '])).rejects.toThrow(/the unlabelled data has no texts/);
    await expect(fit([{ text: { a: 1 } }])).rejects.toThrow(/unlabelled row 1, column 'text': expected text, got an object/);
    await expect(fit(t.dir)).rejects.toThrow(/directory/);
    // A couple of unlabelled texts are fine: the labelled ones take part in the SVD too.
    const few = await fit(['one text', 'another text']);
    expect(few.predict(['one text']).length).toBe(1);
  }, 120_000);
});
