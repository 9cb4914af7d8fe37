// Preset kind -> the function that builds its report sections. A preset kind added later (an
// uplift model, a text classifier) registers its own builder; tl.report.html refuses a kind
// with none, naming the kinds it knows.
import { InputError } from '../data/errors.js';
import type { Preset } from '../presets/preset.js';
import type { ReportBuilder } from './section.js';

const builders = new Map<string, ReportBuilder>();

export function registerReportBuilder<P extends Preset>(kind: string, build: ReportBuilder<P>): void {
  if (typeof kind !== 'string' || typeof build !== 'function') throw new TypeError('registerReportBuilder: expected a kind and a function');
  builders.set(kind, build as unknown as ReportBuilder);
}

export function reportBuilder(kind: string): ReportBuilder {
  const b = builders.get(kind);
  if (!b) throw new InputError(`report: no HTML report for a '${kind}' model yet (reports exist for: ${reportKinds().join(', ')})`);
  return b;
}

export function reportKinds(): string[] {
  return [...builders.keys()];
}
