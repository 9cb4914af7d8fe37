// Option parsers and the read options every command that takes data files shares.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDelimiter } from '../data/sniff.js';
import type { ReadOptions } from '../data/source.js';
import { cliMessage } from './process.js';

export const int = (name: string, max = Infinity) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 1${max < Infinity ? ` to ${max}` : ' up'}`);
  return n;
};

/** An integer option from `min` up (0 allowed where it means none). */
export const intOption = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer from ${min} up`);
  return n;
};

export const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const delimiter = (v: string) => {
  try {
    return parseDelimiter(v);
  } catch (e) {
    throw new InvalidArgumentError(cliMessage(e));
  }
};

/** The options every command that reads data files shares. */
export function withReadOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--delimiter <char>', 'field separator of CSV input: , ; tab | or any character (default: sniffed from the header)').argParser(delimiter))
    .option('--encoding <name>', 'text encoding of the input when not UTF-8, e.g. latin1 (Windows-1252) or utf-16le')
    .addOption(new Option('--format <format>', 'input format (default: from the extension; .jsonl/.ndjson are JSON Lines)').choices(['csv', 'jsonl']));
}

export const readOptions = (o: { delimiter?: string; encoding?: string; format?: 'csv' | 'jsonl' }): ReadOptions => ({
  delimiter: o.delimiter, encoding: o.encoding, format: o.format,
});
