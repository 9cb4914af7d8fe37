// The report builders of the presets that ship with tensorlift, registered by kind.
import type { TabularClassifier } from '../presets/classifier.js';
import type { LifetimeValueModel } from '../presets/lifetime-value.js';
import type { Preset } from '../presets/preset.js';
import type { Recommender } from '../presets/recommender/recommender.js';
import type { Segmenter } from '../presets/segmenter.js';
import type { UpliftModel } from '../presets/uplift/uplift-model.js';
import { classifierSections } from './classifier.js';
import { type LabelPreset, labelSections } from './labelled.js';
import { recommenderSections } from './recommender.js';
import { registerReportBuilder } from './registry.js';
import { segmentSections } from './segments.js';
import { upliftSections } from './uplift.js';
import { valueSections } from './value.js';

registerReportBuilder<TabularClassifier<unknown>>('churn', classifierSections);
registerReportBuilder<TabularClassifier<unknown>>('propensity', classifierSections);
registerReportBuilder<LifetimeValueModel>('ltv', valueSections);
registerReportBuilder<Segmenter>('segments', segmentSections);
// Recommender does not declare the Preset interface (its predict takes a list length too).
registerReportBuilder<Recommender & Preset>('recommender', recommenderSections);
registerReportBuilder<UpliftModel>('uplift', upliftSections);
// Label presets without a tabular network: two labels get the churn model's charts, more the
// per-class ones (labelled.ts).
registerReportBuilder<LabelPreset>('sentiment', labelSections);
registerReportBuilder<LabelPreset>('intent', labelSections);
registerReportBuilder<LabelPreset>('image', labelSections);
