// tl.presets: the marketing models. Importing this module registers every preset with tl.load
// and the CLI (registry.ts).
export { ChurnModel } from './churn.js';
export type { ChurnFitOptions } from './churn.js';
export { PropensityModel } from './propensity.js';
export type { PropensityFitOptions, PropensityReport } from './propensity.js';
export type { ClassifierFitOptions, NetworkProgress } from './classifier-fit.js';
export type { ChurnReport, ClassReport, MulticlassReport } from './classifier-report.js';
export type { ColumnImportance } from './classifier.js';
export type { Classifier, Data, DataOptions, InputColumn, InputType, OutputColumn, OutputValue, Preset, PresetClass, PredictOptions } from './preset.js';
export { isClassifier, isPreset, jsonPredictions } from './preset.js';
export { findPreset, presetClass, presetNames, registerPreset } from './registry.js';
export { TabularNet } from './tabular-net.js';
export { LifetimeValueModel } from './lifetime-value.js';
export type { LtvFitOptions, ValueReport, ValueInterval, LtvDataOptions } from './lifetime-value.js';
export { Segmenter } from './segmenter.js';
export type { SegmenterFitOptions, SegmentReport } from './segmenter.js';
export type { SegmentProfile } from './segment-profiles.js';
export { Recommender } from './recommender/recommender.js';
export type { RecommenderFitOptions, RecommenderReport, Recommendation } from './recommender/recommender.js';
export { ImageClassifier } from './image/image-classifier.js';
export type { ImageClassifierFitOptions, ImageReport, ImageQuery } from './image/image-classifier.js';
export type { ClassifierDistillOptions } from './classifier-distill.js';
