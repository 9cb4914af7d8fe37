export { fit } from './fit.js';
export type { FitOptions, History, LossFn, LossName, MetricName, MetricFn } from './fit.js';
export { earlyStopping, checkpoint } from './callbacks.js';
export type { Callback, EpochLogs, TrainContext } from './callbacks.js';
export type { Batch, BatchSource, FitData, TensorData } from './data.js';
export { distill, distillationLoss } from './distill.js';
export type { DistillOptions } from './distill.js';
