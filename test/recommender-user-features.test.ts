// Recommender user features on generated data: each synthetic user's taste block is also in
// their profile (a segment and an age that track it; a country that is noise), so features
// should rank the right block for users with no interactions, survive save/load, and bad
// feature rows should get one-line errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tl from '../lib/index.js';
import { seededRandom } from '../lib/train/data.js';
import { splitLast, syntheticInteractions } from './helpers/interactions.js';

const dir = mkdtempSync(join(tmpdir(), 'tl-rec-users-'));
const groups = 4, block = 50;
const rows = syntheticInteractions({ users: 320, items: 200, groups, seed: 5 });
const random = seededRandom(9);
const profiles = Array.from({ length: 320 }, (_, u) => ({
  user: `u${u}`, segment: `s${u % groups}`, age: Math.round(20 + 9 * (u % groups) + 8 * random()), country: ['de', 'fr', 'it', 'es', 'pl'][Math.floor(random() * 5)],
}));
// Users 280..319 are new: their features are known at fit time, their interactions are not.
const isNew = (user: string) => Number(user.slice(1)) >= 280;
const { train, test } = splitLast(rows.filter((r) => !isNew(r.user)));
const newUsers = rows.filter((r) => isNew(r.user));
const blockOf = (item: string) => Math.floor(Number(item.slice(1)) / block);
const groupOf = (user: string) => Number(user.slice(1)) % groups;
const cols = { user: 'user', item: 'item', time: 'ts' };
let model: tl.presets.Recommender, plain: tl.presets.Recommender;

beforeAll(async () => {
  model = await tl.presets.Recommender.fit(train, { ...cols, model: 'ease', userFeatures: profiles });
  plain = await tl.presets.Recommender.fit(train, { ...cols, model: 'ease' });
}, 60_000);

/** Share of a list's items that fall in the user's taste block. */
const onTaste = (user: string, recs: { item: string }[]) => recs.filter((r) => blockOf(r.item) === groupOf(user)).length / recs.length;

describe('Recommender user features', () => {
  it('validates the features and ranks the right items for new users (cold start), beating popular items', async () => {
    const v = model.validation.userFeatures!;
    expect(v.forCold).toBe(true);
    expect(v.features).toBeGreaterThan(v.popular + 0.02);
    // The weight beside the model is chosen on validation, 0 included: never worse there.
    expect(v.blended).toBeGreaterThanOrEqual(model.validation.candidates.ease!.ndcg);
    const fresh = [...new Set(newUsers.map((r) => r.user))];
    const withFeatures = fresh.map((u) => onTaste(u, model.recommend(u, 10)));
    const popular = fresh.map((u) => onTaste(u, plain.recommend(u, 10)));
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(withFeatures)).toBeGreaterThan(0.8);
    expect(mean(popular)).toBeLessThan(0.5);
    // Full-ranking evaluation on each new user's first item: features beat popularity.
    const firsts = fresh.map((u) => newUsers.find((r) => r.user === u)!);
    const a = await model.evaluate(firsts), b = await plain.evaluate(firsts);
    expect(a.unknownUsers).toBe(fresh.length);
    expect(a.hitRate).toBeGreaterThan(b.hitRate + 0.1);
    expect(model.describe()).toMatch(/user features \(segment, age, country; 280 known \+ 40 new users\): rank items for new users/);
  });

  it('scores a brand-new user from the features in a predict row; known users keep their lists', () => {
    const [recs] = model.predict([{ user: 'someone-new', segment: 's2', age: 40, country: 'fr' }], 10);
    expect(onTaste('u2', recs)).toBeGreaterThan(0.8);
    // Without features (or with only unknown values) a new user gets the popular items.
    expect(model.predict([{ user: 'someone-new' }], 5)).toEqual([plain.recommend('someone-new', 5)]);
    expect(model.predict([{ user: 'someone-new', segment: 'never-seen' }], 5)).toEqual([plain.recommend('someone-new', 5)]);
    const u = test[0].user;
    const seen = new Set(train.filter((r) => r.user === u).map((r) => r.item));
    expect(model.recommend(u, 10).some((r) => seen.has(r.item))).toBe(false);
  });

  it('gives identical recommendations after save and load', async () => {
    const path = join(dir, 'users.safetensors');
    await model.save(path);
    const back = (await tl.load(path)) as tl.presets.Recommender;
    const users = [...test.slice(0, 30).map((r) => r.user), 'u300', 'u311', 'nobody'];
    expect(back.recommendMany(users, 10)).toEqual(model.recommendMany(users, 10));
    const row = { user: 'someone-new', segment: 's1', age: 31 };
    expect(back.predict([row])).toEqual(model.predict([row]));
    expect(await back.evaluate(test)).toEqual(await model.evaluate(test));
    expect(back.describe()).toBe(model.describe());
  });

  it('rejects bad user features with one-line errors', async () => {
    const fit = (userFeatures: unknown) => tl.presets.Recommender.fit(train, { ...cols, model: 'ease', userFeatures: userFeatures as tl.data.Row[] });
    await expect(fit('users.csv')).rejects.toThrow(/userFeatures must be an array of row objects/);
    await expect(fit([])).rejects.toThrow(/userFeatures has no rows/);
    await expect(fit([{ customer: 'u1', segment: 's1' }])).rejects.toThrow(/userFeatures row 0 lacks the user column 'user'/);
    await expect(fit([profiles[0], profiles[1], profiles[0]])).rejects.toThrow(/userFeatures rows 0 and 2 are both for user 'u0'; give one row per user/);
    await expect(fit([{ user: 'u1' }, { user: 'u2', segment: '' }])).rejects.toThrow(/no feature column besides the user column 'user'/);
    await expect(fit([{ user: 'x1', segment: 's1' }])).rejects.toThrow(/no user of userFeatures occurs in the interactions .*'x1'/);
  });
});

describe('the recommender CLI with user features', () => {
  it('train recommender --user-features, then recommend reads new users\' features from the users file', () => {
    const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
    const data = join(dir, 'log.csv'), feats = join(dir, 'profiles.csv'), users = join(dir, 'users.csv'), saved = join(dir, 'cli.safetensors'), out = join(dir, 'recs.csv');
    writeFileSync(data, ['user,item,ts', ...train.map((r) => `${r.user},${r.item},${r.ts}`)].join('\n'));
    writeFileSync(feats, ['user,segment,age,country', ...profiles.map((p) => `${p.user},${p.segment},${p.age},${p.country}`)].join('\n'));
    writeFileSync(users, 'user,segment,age\nu1,,\nwalk-in,s3,50\n');
    const train_ = execFileSync(process.execPath, [cli, 'train', 'recommender', '--data', data, '--user', 'user', '--item', 'item', '--time', 'ts', '--model', 'ease', '--user-features', feats, '--out', saved], { stdio: 'pipe' });
    expect(String(train_)).toMatch(/user features \(segment, age, country/);
    execFileSync(process.execPath, [cli, 'recommend', '--model', saved, '--users', users, '--k', '10', '--out', out], { stdio: 'pipe' });
    const lines = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const walkIn = lines.filter((l) => l[0] === 'walk-in').map((l) => ({ item: l[2] }));
    expect(walkIn).toHaveLength(10);
    expect(onTaste('u3', walkIn)).toBeGreaterThan(0.8);
  });
});
