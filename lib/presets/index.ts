export { ChurnModel, PropensityModel } from './churn.js';
export type { ChurnFitOptions, ChurnReport, ColumnImportance } from './churn.js';
export { TabularNet } from './tabular-net.js';
export { LifetimeValueModel } from './lifetime-value.js';
export type { LtvFitOptions, ValueReport, ValueInterval, LtvDataOptions } from './lifetime-value.js';
export { Segmenter } from './segmenter.js';
export type { SegmenterFitOptions, SegmentReport } from './segmenter.js';
export type { SegmentProfile } from './segment-profiles.js';
