export { readCsv, streamCsv, toTable } from './table.js';
export type { Row, Table, Value, CsvRecord } from './table.js';
export { inferSchema, inferColumn } from './schema.js';
export type { ColumnInfo, ColumnKind, SchemaOptions } from './schema.js';
export { Preprocessor } from './preprocess.js';
export type { ColumnState, Encoded, TransformOptions } from './preprocess.js';
export { binaryTarget, encodeTarget, stratifiedSplit } from './target.js';
export type { BinaryTarget } from './target.js';
