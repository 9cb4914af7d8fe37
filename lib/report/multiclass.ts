// Charts of a multi-class PropensityModel (next best offer): precision, recall and F1 of each
// class, and the confusion matrix as a heatmap of row shares (what each true class was
// predicted as). Past 25 classes the matrix keeps the 25 most common ones and says so.
import type { ClassReport } from '../presets/classifier-report.js';
import type { ChartPart } from './section.js';
import { r4 } from './render.js';

const MAX_CLASSES = 25;

export function perClassChart(perClass: ClassReport[]): ChartPart {
  const shown = [...perClass].sort((a, b) => b.support - a.support).slice(0, MAX_CLASSES);
  const values = shown.flatMap((c) => (['precision', 'recall', 'f1'] as const).map((m) => ({ class: c.class, measure: m === 'f1' ? 'F1' : m, value: r4(c[m]) })));
  return {
    title: 'Per-class precision, recall and F1',
    caption: `Each class's measures when the most likely class is predicted${perClass.length > MAX_CLASSES ? ` (the ${MAX_CLASSES} most common of ${perClass.length} classes)` : ''}.`,
    spec: {
      width: Math.max(300, Math.min(900, 60 * shown.length)), height: 240, data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'class', type: 'nominal', title: null, sort: shown.map((c) => c.class), axis: { labelAngle: -30, labelLimit: 120 } },
        xOffset: { field: 'measure', sort: ['precision', 'recall', 'F1'] },
        y: { field: 'value', type: 'quantitative', title: null, scale: { domain: [0, 1] } },
        color: { field: 'measure', type: 'nominal', title: null, sort: ['precision', 'recall', 'F1'] },
      },
    },
  };
}

/** counts[true][predicted] over class ids. */
export function confusionCounts(predicted: number[], y: number[], classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array(classes).fill(0));
  y.forEach((t, i) => m[t][predicted[i]]++);
  return m;
}

export function confusionChart(counts: number[][], classes: string[]): ChartPart {
  const support = counts.map((r) => r.reduce((a, b) => a + b, 0));
  const keep = classes.map((_, i) => i).sort((a, b) => support[b] - support[a]).slice(0, MAX_CLASSES).sort((a, b) => a - b);
  const values = keep.flatMap((t) => keep.map((p) => ({ actual: classes[t], predicted: classes[p], count: counts[t][p], share: r4(support[t] ? counts[t][p] / support[t] : 0) })));
  const side = Math.max(180, Math.min(640, 28 * keep.length));
  return {
    title: 'Confusion matrix',
    caption: `Row = the true class, column = the predicted one; colour = share of the true class's rows, the number = rows${classes.length > keep.length ? ` (the ${keep.length} most common of ${classes.length} classes)` : ''}.`,
    spec: {
      width: side, height: side, data: { values },
      encoding: {
        x: { field: 'predicted', type: 'nominal', title: 'predicted', sort: keep.map((i) => classes[i]), axis: { labelAngle: -30, labelLimit: 100 } },
        y: { field: 'actual', type: 'nominal', title: 'actual', sort: keep.map((i) => classes[i]), axis: { labelLimit: 100 } },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', title: 'row share', scale: { scheme: 'blues', domain: [0, 1] } } } },
        ...(keep.length <= 12 ? [{
          mark: { type: 'text' as const, fontSize: 10 },
          encoding: { text: { field: 'count', type: 'quantitative' as const }, color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#222' } },
        }] : []),
      ],
    },
  };
}
