export { ChurnModel, PropensityModel } from './churn.js';
export type { ChurnFitOptions, ChurnReport, ColumnImportance } from './churn.js';
export { TabularNet } from './tabular-net.js';
export { Recommender } from './recommender/recommender.js';
export type { RecommenderFitOptions, RecommenderReport, Recommendation } from './recommender/recommender.js';
