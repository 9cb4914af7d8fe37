export { accuracy, rocAuc, logLoss, precisionRecallF1 } from './classification.js';
export type { PrecisionRecallF1 } from './classification.js';
export { topKAccuracy, multiclassLogLoss, perClassLift } from './multiclass.js';
export { rmse, mae } from './regression.js';
export { spearman, normalizedGini, decileMape } from './value.js';
export { adjustedRandIndex } from './clustering.js';
export { liftTable, captureRate, hitRateAtK, ndcgAtK, silhouette } from './marketing.js';
export type { LiftRow } from './marketing.js';
export type { Values } from './values.js';
