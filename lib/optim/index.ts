export { Optimizer } from './optimizer.js';
export type { ParamGroup, ParamsArg } from './optimizer.js';
export { SGD, Adam, AdamW, RMSprop, Adagrad } from './optimizers.js';
export type { SgdOptions, AdamOptions, RmspropOptions, AdagradOptions } from './optimizers.js';
export { StepLR, CosineAnnealingLR, OneCycleLR } from './schedulers.js';
export { clipGradNorm } from './clip.js';
