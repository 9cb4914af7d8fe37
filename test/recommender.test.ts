// The Recommender preset on synthetic interaction data: the sequence model beats most-popular
// and the order-free model where order matters, save/load keeps recommendations identical,
// and bad input gets one-line errors. No MovieLens here (its usage terms forbid bundling).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { seededRandom } from '../lib/train/data.js';
import { splitLast, syntheticInteractions } from './helpers/interactions.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-rec-'));
const rows = syntheticInteractions({ users: 300, items: 200, seed: 3 });
const { train, test } = splitLast(rows);
const cols = { user: 'user', item: 'item', time: 'ts' };
let seq: tl.presets.Recommender, ease: tl.presets.Recommender;

beforeAll(async () => {
  seq = await tl.presets.Recommender.fit(train, { ...cols, model: 'sequential', seed: 1, sequential: { epochs: 12 } });
  // Order-free: no recency weighting and no next-item transitions.
  ease = await tl.presets.Recommender.fit(train, { ...cols, model: 'ease', ease: { halfLife: 0 }, transitions: false });
}, 60_000);

describe('Recommender', () => {
  it('the sequence model beats most-popular and the order-free model on ordered data (full ranking)', async () => {
    const s = await seq.evaluate(test), e = await ease.evaluate(test);
    // Most popular: every user gets the same list (an unknown user's list), minus what they saw.
    const pop = await seq.evaluate(test.map((r) => ({ ...r, user: 'nobody' })));
    expect(s.rows).toBe(300);
    expect(s.hitRate).toBeGreaterThan(0.5);
    expect(s.ndcg).toBeGreaterThan(e.ndcg + 0.1);
    expect(s.ndcg).toBeGreaterThan(pop.ndcg + 0.3);
    expect(e.hitRate).toBeGreaterThan(pop.hitRate);
    expect(s.coverage).toBeGreaterThan(0.3);
    expect(s.popularityBias).toBeGreaterThan(0);
    expect(s.popularityBias).toBeLessThan(1);
    expect(seq.modelKind).toBe('sequential');
  });

  it('blends next-item transitions beside EASE where validation finds they help, and keeps them through save and load', async () => {
    const m = await tl.presets.Recommender.fit(train, { ...cols, model: 'ease' });
    const t = m.validation.transitions!;
    expect(t.weight).toBeGreaterThan(0);
    expect(t.ndcg).toBeGreaterThan(m.validation.candidates.ease!.ndcg);
    expect((await m.evaluate(test)).ndcg).toBeGreaterThan((await ease.evaluate(test)).ndcg + 0.1);
    expect(m.describe()).toMatch(/next-item transitions \(window \d+, recency half-life \d+\) blended in at weight/);
    const path = join(dir, 'transitions.safetensors');
    await m.save(path);
    const back = (await tl.load(path)) as tl.presets.Recommender;
    expect(back.recommendMany(test.slice(0, 30).map((r) => r.user), 10)).toEqual(m.recommendMany(test.slice(0, 30).map((r) => r.user), 10));
    expect(back.recommendNext(['i3', 'i4'], 5)).toEqual(m.recommendNext(['i3', 'i4'], 5));
    // Without a time column there is no order, so no transitions.
    expect((await tl.presets.Recommender.fit(train, { user: 'user', item: 'item' })).validation.transitions).toBeUndefined();
  });

  it('leaves the transitions out (or nearly) where order carries nothing: shuffled timestamps', async () => {
    const random = seededRandom(4);
    const shuffled = rows.map((r) => ({ ...r, ts: Math.floor(random() * 1e6) }));
    const split = splitLast(shuffled);
    const withNext = await tl.presets.Recommender.fit(split.train, { ...cols, model: 'ease' });
    const without = await tl.presets.Recommender.fit(split.train, { ...cols, model: 'ease', transitions: false });
    const a = await withNext.evaluate(split.test), b = await without.evaluate(split.test);
    // Validation picks the weight with 0 among the choices, so it can only cost noise.
    expect(withNext.validation.transitions!.ndcg).toBeGreaterThanOrEqual(without.validation.candidates.ease!.ndcg);
    expect(a.ndcg).toBeGreaterThan(b.ndcg - 0.03);
  });

  it('chooses a model by validation and describes it', async () => {
    const auto = await tl.presets.Recommender.fit(train, { ...cols, seed: 1, sequential: { epochs: 8 } });
    const v = auto.validation;
    expect(Object.keys(v.candidates).sort()).toEqual(['ease', 'sequential']);
    expect(v.candidates[v.chosen]!.ndcg).toBe(Math.max(...Object.values(v.candidates).map((c) => c!.ndcg)));
    expect(auto.describe()).toMatch(/validation NDCG@10/);
    // Without a time column only the order-free model can run.
    const noTime = await tl.presets.Recommender.fit(train, { user: 'user', item: 'item' });
    expect(noTime.modelKind).toBe('ease');
  });

  it('recommends unseen items, popular items to unknown users, next items for a session, similar items', () => {
    const u = test[0].user;
    const recs = seq.recommend(u, 5);
    expect(recs).toHaveLength(5);
    const seen = new Set(train.filter((r) => r.user === u).map((r) => r.item));
    expect(recs.some((r) => seen.has(r.item))).toBe(false);
    expect(recs[0].score).toBeGreaterThanOrEqual(recs[4].score);
    expect(seq.recommend(u, 5, { excludeSeen: false }).length).toBe(5);
    const popular = seq.recommend('someone-new', 3);
    expect(popular.map((r) => r.item)).toEqual(ease.recommend('someone-new', 3).map((r) => r.item));
    expect(seq.recommendMany([u, 'someone-new'], 4)).toEqual([seq.recommend(u, 4), seq.recommend('someone-new', 4)]);
    // Anonymous sessions (each test user's last 5 items, no user id) are continued correctly.
    const sessions = test.map((t) => ({ items: train.filter((r) => r.user === t.user).slice(-5).map((r) => r.item), next: t.item }));
    const hits = sessions.filter((s) => seq.recommendNext(s.items, 10).some((r) => r.item === s.next)).length;
    expect(hits / sessions.length).toBeGreaterThan(0.5);
    expect(seq.recommendNext(['not-an-item'], 2)).toEqual(seq.recommend('someone-new', 2));
    // The preset contract: predict / score rows by their user column.
    expect(seq.predict([{ user: u }])).toEqual([seq.recommend(u, 10)]);
    expect(seq.score([{ user: u }])[0][0]).toBe(seq.recommend(u, 10).map((r) => r.item).join('|'));
    expect(seq.inputSchema).toEqual([{ name: 'user', type: 'id' }]);
    expect(() => seq.predict([{ item: 'i1' }])).toThrow(/row 0 lacks the user column 'user'/);
    const sim = ease.similarItems('i60', 5);
    expect(sim.map((r) => r.item)).not.toContain('i60');
    expect(sim.filter((r) => Math.floor(Number(r.item.slice(1)) / 50) === 1).length).toBeGreaterThanOrEqual(3);
    expect(seq.similarItems('i60', 3)).toHaveLength(3);
  });

  it('scores cold items from their features', async () => {
    const features = [
      ...Array.from({ length: 200 }, (_, i) => ({ item: `i${i}`, genres: `g${Math.floor(i / 50)}|all` })),
      { item: 'new-in-block-1', genres: 'g1' },
    ];
    const m = await tl.presets.Recommender.fit(train, { ...cols, model: 'ease', itemFeatures: features });
    const fan = test.find((r) => Math.floor(Number(r.item.slice(1)) / 50) === 1)!.user;
    const other = test.find((r) => Math.floor(Number(r.item.slice(1)) / 50) === 3)!.user;
    const rank = (user: string) => m.recommend(user, 250).findIndex((r) => r.item === 'new-in-block-1');
    expect(rank(fan)).toBeGreaterThanOrEqual(0);
    expect(rank(fan)).toBeLessThan(rank(other) < 0 ? Infinity : rank(other));
    expect(m.similarItems('new-in-block-1', 3).every((r) => Math.floor(Number(r.item.slice(1)) / 50) === 1)).toBe(true);
  });

  it('gives identical recommendations after save and load', async () => {
    for (const [name, m] of [['seq', seq], ['ease', ease]] as const) {
      const path = join(dir, `${name}.safetensors`);
      await m.save(path);
      const back = await tl.load(path);
      expect(back).toBeInstanceOf(tl.presets.Recommender);
      const users = test.slice(0, 40).map((r) => r.user);
      expect((back as tl.presets.Recommender).recommendMany(users, 10)).toEqual(m.recommendMany(users, 10));
      expect((back as tl.presets.Recommender).recommendNext(['i3', 'i4'], 5)).toEqual(m.recommendNext(['i3', 'i4'], 5));
      expect(await (back as tl.presets.Recommender).evaluate(test)).toEqual(await m.evaluate(test));
    }
  });

  it('rejects bad input with one-line errors', async () => {
    const R = tl.presets.Recommender;
    await expect(R.fit(train, { user: 'customer', item: 'item' })).rejects.toThrow(/the user column 'customer' is not in the data/);
    await expect(R.fit(train, { user: 'user', item: 'item', time: 'when' })).rejects.toThrow(/the time column 'when' is not in the data/);
    await expect(R.fit(train.map((r) => ({ ...r, user: 'a' })), { user: 'user', item: 'item' })).rejects.toThrow(/has 1 user .* at least 2/);
    await expect(R.fit(train.map((r) => ({ ...r, item: 'x' })), { user: 'user', item: 'item' })).rejects.toThrow(/has 1 item .* at least 2/);
    const bad = train.map((r, i) => (i === 5 ? { ...r, ts: 'yesterday' } : r));
    await expect(R.fit(bad, cols)).rejects.toThrow(/row 5: column 'ts' holds "yesterday", not a timestamp/);
    const dup = [...train, train[0]];
    await expect(R.fit(dup, { ...cols, duplicates: 'error' })).rejects.toThrow(/appear together more than once/);
    const warnings: string[] = [];
    const m = await R.fit(dup, { ...cols, model: 'ease', onWarning: (w) => warnings.push(w) });
    expect(warnings.join()).toMatch(/1 row repeats an earlier \(user, item\) and was dropped/);
    expect(() => m.similarItems('nope')).toThrow(/item 'nope' was not in the training data/);
    expect(() => m.recommend('u1', 0)).toThrow(/k must be a positive integer/);
    await expect(m.evaluate([{ user: 'u1' }])).rejects.toThrow(/lack the column 'item'/);
    for (const line of warnings) expect(line).not.toMatch(/\n/);
  });
});

describe('the recommender CLI', () => {
  it('trains from a CSV and writes top-k lists for a users file', () => {
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const data = join(dir, 'log.csv'), users = join(dir, 'users.csv'), model = join(dir, 'cli.safetensors'), out = join(dir, 'recs.csv');
    writeFileSync(data, ['user,item,ts', ...train.slice(0, 1500).map((r) => `${r.user},${r.item},${r.ts}`)].join('\n'));
    writeFileSync(users, 'user\nu1\nu2\nstranger\n');
    execFileSync(process.execPath, [cli, 'train', 'recommender', '--data', data, '--user', 'user', '--item', 'item', '--model', 'ease', '--out', model], { stdio: 'pipe' });
    execFileSync(process.execPath, [cli, 'recommend', '--model', model, '--users', users, '--k', '3', '--out', out], { stdio: 'pipe' });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('user,rank,item,score');
    expect(lines).toHaveLength(1 + 3 * 3);
    expect(lines.filter((l) => l.startsWith('stranger,'))).toHaveLength(3);
    let err = '';
    try {
      execFileSync(process.execPath, [cli, 'train', 'recommender', '--data', data, '--user', 'customer', '--item', 'item'], { stdio: 'pipe' });
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err.trim().split('\n').pop()).toMatch(/^tensorlift: .*the user column 'customer' is not in the data/);
  });
});
