// The report of a Recommender on held-out interactions: hit rate and NDCG at several list
// lengths (does the held-out item make the list, and how high), and where the recommended
// items sit in the catalogue's popularity (a model that only ever shows best-sellers piles
// into the first decile; the catalogue itself is 10% per decile by construction).
import type { Table } from '../data/table.js';
import type { Recommender, RecommenderReport } from '../presets/recommender/recommender.js';
import { type BuildOptions, type ChartPart, type Section, metricsTable } from './section.js';
import { r4 } from './render.js';

const MAX_USERS = 500;

function ksFor(catalogue: number): number[] {
  return [1, 5, 10, 20, 50].filter((k) => k <= catalogue);
}

function atKChart(rows: { k: number; hitRate: number; ndcg: number }[]): ChartPart {
  const values = rows.flatMap((r) => [{ k: r.k, measure: 'hit rate', value: r4(r.hitRate) }, { k: r.k, measure: 'NDCG', value: r4(r.ndcg) }]);
  return {
    title: 'Hit rate and NDCG at K',
    caption: 'Hit rate: share of held-out interactions whose item is in the top K; NDCG also rewards ranking it higher (full ranking over the catalogue, seen items excluded).',
    spec: {
      width: 300, height: 230, data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'k', type: 'ordinal', title: 'K (list length)', axis: { labelAngle: 0 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
        color: { field: 'measure', type: 'nominal', title: null },
      },
    },
  };
}

/** Share of recommendations per popularity decile of the catalogue (1 = the 10% most popular items). */
export function popularityDeciles(lists: number[][], counts: ArrayLike<number>): number[] {
  const n = counts.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const decile = new Int32Array(n);
  order.forEach((item, r) => (decile[item] = Math.min(9, Math.floor((10 * r) / n))));
  const shares = new Array(10).fill(0);
  let total = 0;
  for (const l of lists) for (const i of l) if (i < n) (shares[decile[i]]++, total++);
  return shares.map((s) => (total ? s / total : 0));
}

function popularityChart(shares: number[]): ChartPart {
  return {
    title: 'Popularity of recommended items',
    caption: "Share of the recommended items in each popularity decile of the catalogue (1 = the 10% most interacted-with items); the dashed line is the catalogue's own 10%.",
    spec: {
      width: 300, height: 230,
      layer: [
        { data: { values: shares.map((s, d) => ({ decile: d + 1, share: r4(s) })) }, mark: { type: 'bar', color: '#4c78a8' }, encoding: { x: { field: 'decile', type: 'ordinal', title: 'popularity decile (1 = most popular)', axis: { labelAngle: 0 } }, y: { field: 'share', type: 'quantitative', title: 'share of recommendations', axis: { format: '%' } } } },
        { data: { values: [{ even: 0.1 }] }, mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] }, encoding: { y: { field: 'even', type: 'quantitative' } } },
      ],
    },
  };
}

export async function recommenderSections(model: Recommender, table: Table, _opts: BuildOptions): Promise<Section[]> {
  const reports: RecommenderReport[] = [];
  for (const k of ksFor(model.items.length)) reports.push(await model.evaluate(table, { k }));
  const at10 = reports.find((r) => r.k === 10) ?? reports[reports.length - 1];
  // The lists of up to 500 of the held-out users (seeded by order of appearance, so repeatable).
  const known = new Set(model.users);
  const users = [...new Set(table.rows.map((r) => String(r[model.columns.user]).trim()))].filter((u) => known.has(u)).slice(0, MAX_USERS);
  const index = new Map(model.items.map((s, i) => [s, i]));
  const lists = model.recommendMany(users, Math.min(10, model.items.length)).map((l) => l.map((r) => index.get(r.item) ?? model.items.length));
  const shares = popularityDeciles(lists, model.counts);
  return [
    {
      title: 'Recommendations',
      intro: `${at10.rows.toLocaleString('en-US')} held-out interactions (${at10.unknownUsers} of unknown users, ${at10.unknownItems} of unknown items). Hit rate@${at10.k} ${at10.hitRate.toFixed(3)}, NDCG@${at10.k} ${at10.ndcg.toFixed(3)}; the lists cover ${(100 * at10.coverage).toFixed(1)}% of the catalogue.`,
      charts: [atKChart(reports), popularityChart(shares)],
      tables: [
        { title: 'At each K', columns: ['K', 'hit rate', 'NDCG', 'catalogue coverage', 'popularity percentile'], rows: reports.map((r) => [r.k, r.hitRate, r.ndcg, r.coverage, r.popularityBias]) },
        { title: 'Recommendations by popularity decile', columns: ['decile', 'share of recommendations'], rows: shares.map((s, d) => [d + 1, s]), note: `Top-10 lists of ${users.length} held-out users.` },
      ],
    },
    { title: 'Numbers', charts: [], tables: [metricsTable(at10)] },
  ];
}
